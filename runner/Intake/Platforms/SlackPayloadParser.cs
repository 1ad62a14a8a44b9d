using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// Slack: slash commands (form), the Events API (<c>url_verification</c>, <c>app_mention</c>) and the
/// workflow relay JSON <c>{text,user_id,channel_id}</c> sent with a bearer token.
/// </summary>
internal sealed partial class SlackPayloadParser : IPlatformParser
{
    public const string RetryHeader = "X-Slack-Retry-Num";

    /// <summary>The Events API event types that become commands (the Slack app manifest subscribes to exactly these).</summary>
    public static readonly IReadOnlySet<string> HandledEvents = new HashSet<string>(StringComparer.Ordinal) { "app_mention" };

    private const string Platform = "slack";

    string IPlatformParser.Platform => Platform;

    public IntakeResult Parse(PlatformRequest request, CommandLineParser commands)
    {
        if (Payload.CheckContentType(request.ContentType, out var kind, BodyKind.Json, BodyKind.Form) is { } unsupported)
        {
            return unsupported;
        }

        try
        {
            return kind == BodyKind.Form ? ParseSlashCommand(request) : ParseJson(request);
        }
        catch (PayloadException ex)
        {
            return IntakeResult.Malformed(ex.Message);
        }
    }

    private static IntakeResult ParseSlashCommand(PlatformRequest request)
    {
        var form = Payload.ParseForm(request.Body, out var error);
        if (form is null)
        {
            return error!;
        }

        if (form.ContainsKey("payload"))
        {
            return new IntakeResult.Ignored("interactive payloads are not commands");
        }

        if (form.ContainsKey("ssl_check"))
        {
            // Slack's certificate probe for slash command URLs: any 200 will do.
            return new IntakeResult.Ignored("ssl_check");
        }

        var userId = Field(form, "user_id");
        if (userId is null || !form.ContainsKey("command"))
        {
            return IntakeResult.Malformed("slash command needs 'command' and 'user_id'");
        }

        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = userId,
            Workspace = Field(form, "team_id"),
            Channel = Field(form, "channel_id"),
            IsRelay = !request.Signed,
            DedupeKey = Field(form, "trigger_id") is { } trigger ? $"{Platform}:{trigger}" : null,
            RetryNumber = RetryNumber(request),
            ReplyContext = Payload.ReplyContext(
                ("response_url", SlackUrl(Field(form, "response_url", 2048))),
                ("channel_id", Field(form, "channel_id")),
                ("user_id", userId),
                ("team_id", Field(form, "team_id"))),
        };

        // "/agent run 'x'" arrives as text "run 'x'": the slash command is the prefix, but typing it anyway is harmless.
        var text = form.GetValueOrDefault("text") ?? "";
        return new IntakeResult.Addressed(template, new CommandInput.Text(text, RequirePrefix: false));
    }

    private static IntakeResult ParseJson(PlatformRequest request)
    {
        using var document = Payload.ParseJson(request.Body, out var error);
        if (document is null)
        {
            return error!;
        }

        var root = document.RootElement;
        switch (Payload.String(root, "type"))
        {
            case "url_verification":
                return Payload.String(root, "challenge") is { Length: > 0 } challenge
                    ? new IntakeResult.Challenge(challenge)
                    : IntakeResult.Malformed("url_verification has no 'challenge'");
            case "event_callback":
                return ParseEvent(request, root);
            case null when Payload.Get(root, "text") is not null:
                return ParseRelay(request, root);
            case { } other:
                return new IntakeResult.Ignored($"Slack payload type '{(other.Length > 40 ? other[..40] : other)}' is not handled");
            default:
                return IntakeResult.Malformed("expected a Slack event or a relay body {text,user_id,channel_id}");
        }
    }

    private static IntakeResult ParseEvent(PlatformRequest request, JsonElement root)
    {
        if (Payload.Get(root, "event") is not { ValueKind: JsonValueKind.Object } slackEvent)
        {
            return IntakeResult.Malformed("event_callback has no 'event' object");
        }

        var type = Payload.String(slackEvent, "type");
        if (type is null || !HandledEvents.Contains(type))
        {
            return new IntakeResult.Ignored($"event type '{type}' is not handled");
        }

        if (Payload.Get(slackEvent, "bot_id") is not null)
        {
            return new IntakeResult.Ignored("bot messages may not trigger commands");
        }

        var user = Payload.String(slackEvent, "user");
        if (user is null)
        {
            return IntakeResult.Malformed("app_mention has no 'user'");
        }

        var channel = Payload.String(slackEvent, "channel");
        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = user,
            Workspace = Payload.String(root, "team_id"),
            Channel = channel,
            IsRelay = !request.Signed,
            DedupeKey = Payload.String(root, "event_id") is { } eventId ? $"{Platform}:{eventId}" : null,
            RetryNumber = RetryNumber(request),
            ReplyContext = Payload.ReplyContext(
                ("channel_id", channel),
                ("user_id", user),
                ("thread_ts", Payload.String(slackEvent, "thread_ts") ?? Payload.String(slackEvent, "ts")),
                ("team_id", Payload.String(root, "team_id"))),
        };

        // Message events escape &, < and > (https://api.slack.com/reference/surfaces/formatting#escaping).
        var text = Mention().Replace(Payload.String(slackEvent, "text", Payload.MaxTextLength) ?? "", "", 1)
            .Replace("&lt;", "<", StringComparison.Ordinal)
            .Replace("&gt;", ">", StringComparison.Ordinal)
            .Replace("&amp;", "&", StringComparison.Ordinal);
        return new IntakeResult.Addressed(template, new CommandInput.Text(text, RequirePrefix: false));
    }

    /// <summary>
    /// A relay (a workflow step, a Bolt handler forwarding <c>command.text</c>): the relay already is a command channel,
    /// so the prefix is optional and <c>{"text": "run Add tests"}</c> is the command it looks like.
    /// </summary>
    private static IntakeResult ParseRelay(PlatformRequest request, JsonElement root)
    {
        var user = Payload.String(root, "user_id") ?? request.Identity;
        if (user is null)
        {
            return IntakeResult.Malformed("relay body needs 'user_id'");
        }

        var channel = Payload.String(root, "channel_id");
        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = user,
            Workspace = Payload.String(root, "team_id"),
            Channel = channel,
            IsRelay = true,
            ReplyContext = Payload.ReplyContext(
                ("response_url", SlackUrl(Payload.String(root, "response_url", 2048))),
                ("channel_id", channel),
                ("user_id", user),
                ("thread_ts", Payload.String(root, "thread_ts"))),
        };
        var text = Payload.String(root, "text", Payload.MaxTextLength);
        return string.IsNullOrWhiteSpace(text)
            ? new IntakeResult.Ignored("relay text is empty")
            : new IntakeResult.Addressed(template, new CommandInput.Text(text, RequirePrefix: false));
    }

    private static string? Field(Dictionary<string, string> form, string name, int maxLength = Payload.MaxIdLength)
    {
        if (!form.TryGetValue(name, out var value) || value.Length == 0)
        {
            return null;
        }

        return value.Length <= maxLength ? value : throw new PayloadException($"'{name}' is longer than {maxLength} characters");
    }

    // The reply stage POSTs to response_url: only Slack's own hosts, so a relay body cannot aim it at an internal service.
    private static string? SlackUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort
        && (uri.Host == "slack.com" || uri.Host.EndsWith(".slack.com", StringComparison.OrdinalIgnoreCase))
            ? uri.AbsoluteUri
            : null;

    private static int RetryNumber(PlatformRequest request) =>
        int.TryParse(Payload.Header(request, RetryHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var retry) ? retry : 0;

    // "<@U0LAN0Z89> run x" or "<@U0LAN0Z89|agent> run x": the mention that addressed the bot.
    [GeneratedRegex(@"^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 50)]
    private static partial Regex Mention();
}
