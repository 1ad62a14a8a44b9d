using System.Text.Json;

namespace Codeur.Runner.Replies;

/// <summary>Reads the reply context JSON stored with a task (see the platform parsers for what each platform puts in).</summary>
internal sealed class ReplyContext
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private ReplyContext()
    {
    }

    public static ReplyContext Parse(string? json)
    {
        var context = new ReplyContext();
        if (string.IsNullOrWhiteSpace(json))
        {
            return context;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return context;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    _ => null,
                };
                if (value is not null)
                {
                    context._values[property.Name] = value;
                }
            }
        }
        catch (JsonException)
        {
            // An unreadable context means nowhere to reply; the sender reports that.
        }

        return context;
    }

    public string? this[string key] => _values.GetValueOrDefault(key);
}
