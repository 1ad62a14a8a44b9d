using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Codeur.EngineBroker.Requests;

/// <summary>
/// The <c>filters</c> of a container list, re-serialised with this runner's label always among them, so a list
/// never shows another runner's containers (or anyone else's). Only the label, status, id and name filters are
/// admitted, in either of the engine's two shapes (<c>{"label":{"a=b":true}}</c> or <c>{"label":["a=b"]}</c>).
/// </summary>
internal static class ListFilters
{
    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal) { "label", "status", "id", "name" };

    public static string Force(string? filters, string runnerId)
    {
        var parsed = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(filters))
        {
            try
            {
                using var document = JsonDocument.Parse(filters, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 4 });
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new EngineRequestRefusedException("query.filters", "must be a JSON object");
                }

                foreach (var filter in document.RootElement.EnumerateObject())
                {
                    if (!Keys.Contains(filter.Name))
                    {
                        throw new EngineRequestRefusedException("query.filters", "only label, status, id and name filters are admitted");
                    }

                    var values = parsed[filter.Name] = new SortedSet<string>(StringComparer.Ordinal);
                    foreach (var value in Values(filter.Value))
                    {
                        values.Add(value);
                    }
                }
            }
            catch (JsonException)
            {
                throw new EngineRequestRefusedException("query.filters", "not well-formed JSON without duplicate keys");
            }
        }

        if (!parsed.TryGetValue("label", out var labels))
        {
            parsed["label"] = labels = new SortedSet<string>(StringComparer.Ordinal);
        }

        labels.Add("codeur.runner=" + runnerId);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, values) in parsed)
            {
                json.WriteStartObject(key);
                foreach (var value in values)
                {
                    json.WriteBoolean(value, true);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static IEnumerable<string> Values(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            return element.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Invalid());
        }

        if (element.ValueKind == JsonValueKind.Object)
        {
            return element.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.True ? p.Name : throw Invalid());
        }

        throw Invalid();
    }

    private static EngineRequestRefusedException Invalid() => new("query.filters", "each filter must be a list of strings or an object of true");
}
