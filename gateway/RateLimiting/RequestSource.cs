using System.Buffers;
using System.Text;
using System.Text.Json;
using Codeur.Gateway.Http;

namespace Codeur.Gateway.RateLimiting;

/// <summary>
/// Where a signed platform request comes from, read from the body the signature covers: the GitHub repository (else
/// the installation, else the organisation), the Slack team, the Discord guild (a user, for direct messages). Signed
/// traffic is rate-limited per source, so outsiders flooding one public repository cannot use up the limit of
/// another. The key is only a partition name: a body without one falls into its platform's shared <c>other</c> bucket.
/// </summary>
internal static class RequestSource
{
    private const int MaxValueLength = 200;

    public static string For(string platform, HttpContext context)
    {
        var body = context.Features.Get<BufferedBody>() is { } buffered ? buffered.Bytes.Span : default;
        var value = platform switch
        {
            "github" => GitHub(body),
            "slack" => Slack(body, context.Request.ContentType),
            "discord" => Discord(body),
            _ => null,
        };
        return platform + ":" + (value ?? "other");
    }

    internal static string? GitHub(ReadOnlySpan<byte> body)
    {
        string? repository = null, installation = null, organization = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("repository"u8))
                {
                    reader.Read();
                    repository = Member(ref reader, "full_name"u8);
                }
                else if (reader.ValueTextEquals("installation"u8))
                {
                    reader.Read();
                    installation = Member(ref reader, "id"u8);
                }
                else if (reader.ValueTextEquals("organization"u8))
                {
                    reader.Read();
                    organization = Member(ref reader, "login"u8);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not ours to judge: the runner answers a malformed body with its 400. It is counted in "other". (Invalid
            // UTF-8 inside a string is an InvalidOperationException from GetString, found by the hostile-input corpus.)
        }

        // GitHub names are case-insensitive: Acme/Widgets and acme/widgets are one repository and one bucket.
        return Clean(repository)?.ToLowerInvariant() is { } repo ? "repo:" + repo
            : Clean(installation) is { } id ? "installation:" + id
            : Clean(organization)?.ToLowerInvariant() is { } org ? "org:" + org
            : null;
    }

    internal static string? Slack(ReadOnlySpan<byte> body, string? contentType)
    {
        if (contentType is not null && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            // Slash commands carry team_id; interactive actions a payload= JSON document with team.id.
            var form = Encoding.UTF8.GetString(body);
            string? payload = null;
            foreach (var pair in form.Split('&'))
            {
                var cut = pair.IndexOf('=', StringComparison.Ordinal);
                if (cut <= 0)
                {
                    continue;
                }

                var name = pair[..cut];
                if (name == "team_id")
                {
                    return Clean(Decode(pair[(cut + 1)..])) is { } team ? "team:" + team : null;
                }

                if (name == "payload")
                {
                    payload = Decode(pair[(cut + 1)..]);
                }
            }

            return payload is null ? null : SlackJson(Encoding.UTF8.GetBytes(payload));
        }

        return SlackJson(body);
    }

    internal static string? Discord(ReadOnlySpan<byte> body)
    {
        string? guild = null, user = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("guild_id"u8))
                {
                    reader.Read();
                    guild = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("user"u8))
                {
                    reader.Read();
                    user = Member(ref reader, "id"u8);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        return Clean(guild) is { } g ? "guild:" + g : Clean(user) is { } u ? "user:" + u : null;
    }

    private static string? SlackJson(ReadOnlySpan<byte> body)
    {
        // Events API: top-level team_id; interactive payloads: team.id.
        string? team = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("team_id"u8))
                {
                    reader.Read();
                    team = reader.TokenType == JsonTokenType.String ? reader.GetString() : team;
                }
                else if (reader.ValueTextEquals("team"u8))
                {
                    reader.Read();
                    team ??= Member(ref reader, "id"u8);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        return Clean(team) is { } t ? "team:" + t : null;
    }

    /// <summary>The string or number <paramref name="name"/> of the object the reader is on; leaves the reader at its end.</summary>
    private static string? Member(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
            {
                value = reader.TokenType == JsonTokenType.String
                    ? reader.GetString()
                    : Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
            }
            else
            {
                reader.Skip();
            }
        }

        return value;
    }

    private static string? Decode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    /// <summary>A partition name is printable ASCII of bounded length, or nothing.</summary>
    private static string? Clean(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxValueLength)
        {
            return null;
        }

        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return null;
            }
        }

        return value;
    }
}
