using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>Shared, bounded readers for webhook bodies: content type, JSON (depth-capped), form fields, capped strings.</summary>
internal static class Payload
{
    public const int MaxDepth = 64;
    public const int MaxIdLength = 256;
    public const int MaxTextLength = 1024 * 1024;
    public const int MaxFormFields = 64;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,

        // Two "body" keys could be read differently by us and by whoever else inspects the payload.
        AllowDuplicateProperties = false,
    };
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Accepts <c>application/json</c> (and <c>+json</c>) and <c>application/x-www-form-urlencoded</c> where <paramref name="allowed"/> lists them; anything else is 415.</summary>
    public static IntakeResult.Invalid? CheckContentType(string? contentType, out BodyKind kind, params BodyKind[] allowed)
    {
        kind = BodyKind.Json;
        BodyKind? found = null;
        if (MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType is { } type)
        {
            if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            {
                found = BodyKind.Json;
            }
            else if (type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                found = BodyKind.Form;
            }

            if (media.CharSet is { Length: > 0 } charset && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                return new IntakeResult.Invalid(415, "only UTF-8 bodies are accepted");
            }
        }

        if (found is { } k && allowed.Contains(k))
        {
            kind = k;
            return null;
        }

        var expected = string.Join(" or ", allowed.Select(a => a == BodyKind.Json ? "application/json" : "application/x-www-form-urlencoded"));
        return new IntakeResult.Invalid(415, $"content type must be {expected}");
    }

    /// <summary>For JSON-only routes: 415 unless the content type is JSON, then <see cref="ParseJson"/>.</summary>
    public static JsonDocument? ReadJsonObject(PlatformRequest request, out IntakeResult.Invalid? error)
    {
        error = CheckContentType(request.ContentType, out _, BodyKind.Json);
        return error is null ? ParseJson(request.Body, out error) : null;
    }

    /// <summary>Parses a JSON object; a malformed body, a non-object or nesting past <see cref="MaxDepth"/> is a 400 with the reader's position.</summary>
    public static JsonDocument? ParseJson(ReadOnlyMemory<byte> body, out IntakeResult.Invalid? error)
    {
        error = null;

        // The reader only checks string contents when they are read; checking up front keeps GetString from throwing later.
        if (!Utf8.IsValid(body.Span))
        {
            error = IntakeResult.Malformed("malformed JSON: the body is not valid UTF-8");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = IntakeResult.Malformed($"malformed JSON: {ex.Message}");
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            error = IntakeResult.Malformed("the JSON body must be an object");
            return null;
        }

        return document;
    }

    /// <summary>Decodes <c>application/x-www-form-urlencoded</c> (first value of a repeated name wins).</summary>
    public static Dictionary<string, string>? ParseForm(ReadOnlyMemory<byte> body, out IntakeResult.Invalid? error)
    {
        error = null;
        string text;
        try
        {
            text = StrictUtf8.GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            error = IntakeResult.Malformed("malformed form body: not UTF-8");
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (fields.Count >= MaxFormFields)
            {
                error = IntakeResult.Malformed($"malformed form body: more than {MaxFormFields} fields");
                return null;
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            fields.TryAdd(name, value);
        }

        return fields;
    }

    // Invalid percent sequences are kept as typed, as browsers and ASP.NET do.
    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    /// <summary>The object at <paramref name="names"/>, or null when any step is missing or not an object.</summary>
    public static JsonElement? Get(JsonElement element, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element;
    }

    /// <summary>A string property, null when absent or null; a wrong type or an over-long value is a <see cref="PayloadException"/>.</summary>
    public static string? String(JsonElement element, string name, int maxLength = MaxIdLength)
    {
        if (Get(element, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PayloadException($"'{name}' must be a string");
        }

        var text = Text(value, name);
        return text.Length <= maxLength ? text : throw new PayloadException($"'{name}' is longer than {maxLength} characters");
    }

    /// <summary>
    /// A JSON string's value. An escaped lone surrogate (<c>"\uD83D"</c> without its pair) is valid JSON syntax but
    /// no valid text: the reader throws <see cref="InvalidOperationException"/>, which is the sender's mistake (400),
    /// not ours (it was a 500 until the reliability suite's corpus sent one).
    /// </summary>
    public static string Text(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new PayloadException($"'{name}' is not valid UTF-16 text (a lone surrogate escape)");
        }
    }

    /// <summary>A string or number property as text (platform ids arrive as both), capped like <see cref="String"/>.</summary>
    public static string? Id(JsonElement element, string name)
    {
        if (Get(element, name) is { ValueKind: JsonValueKind.Number } number)
        {
            var raw = number.GetRawText();
            return raw.Length <= MaxIdLength ? raw : throw new PayloadException($"'{name}' is too long");
        }

        return String(element, name);
    }

    public static bool Bool(JsonElement element, string name) =>
        Get(element, name) is { ValueKind: JsonValueKind.True };

    /// <summary>A header value capped to <see cref="MaxIdLength"/>; longer values are treated as absent.</summary>
    public static string? Header(PlatformRequest request, string name) =>
        request.Header(name) is { Length: > 0 and <= MaxIdLength } value ? value.Trim() : null;

    public static string ReplyContext(params ReadOnlySpan<(string Key, JsonNode? Value)> fields)
    {
        var json = new JsonObject();
        foreach (var (key, value) in fields)
        {
            if (value is not null)
            {
                json[key] = value;
            }
        }

        return json.ToJsonString();
    }
}
