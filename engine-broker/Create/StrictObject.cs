using System.Text.Json;
using Codeur.EngineBroker.Requests;

namespace Codeur.EngineBroker.Create;

/// <summary>
/// One JSON object of a create body, read against the exact key set the broker understands. A key is admitted
/// only in its canonical spelling (ordinal comparison after JSON unescaping): the engine's Go decoder would map
/// <c>privileged</c>, <c>PRIVILEGED</c> or <c>ſecurityOpt</c> (U+017F folds to <c>s</c>) onto a field, so anything
/// but the exact name is refused rather than guessed at. Values are typed strictly: a number is a JSON number, never
/// a string, and <c>null</c> is accepted only where the getter says so.
/// </summary>
internal sealed class StrictObject
{
    private readonly Dictionary<string, JsonElement> _properties = new(StringComparer.Ordinal);

    public StrictObject(JsonElement element, string path, IReadOnlySet<string> known)
    {
        Path = path;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new EngineRequestRefusedException(path, "must be a JSON object");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw new EngineRequestRefusedException(Field(property.Name), "is not a key the broker admits (keys must be spelt exactly as the Engine API spells them)");
            }

            if (!_properties.TryAdd(property.Name, property.Value))
            {
                throw new EngineRequestRefusedException(Field(property.Name), "appears more than once");
            }
        }
    }

    public string Path { get; }

    public string Field(string name) => Path.Length == 0 ? name : Path + "." + name;

    public bool Has(string name) => _properties.ContainsKey(name);

    public JsonElement? Raw(string name) => _properties.TryGetValue(name, out var value) ? value : null;

    public string? String(string name, bool required = false, bool nullable = false)
    {
        if (!Present(name, required, nullable, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Refuse(name, "must be a string");
    }

    public bool? Bool(string name, bool required = false)
    {
        if (!Present(name, required, nullable: false, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Refuse(name, "must be true or false"),
        };
    }

    public long? Long(string name, bool required = false)
    {
        if (!Present(name, required, nullable: false, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw Refuse(name, "must be a whole JSON number");
    }

    public IReadOnlyList<string>? Strings(string name, bool required = false, bool nullable = false)
    {
        if (!Present(name, required, nullable, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Refuse(name, "must be an array of strings");
        }

        var items = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Refuse(name, "must be an array of strings"));
        }

        return items;
    }

    public IReadOnlyList<JsonElement>? Array(string name, bool required = false, bool nullable = false)
    {
        if (!Present(name, required, nullable, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : throw Refuse(name, "must be an array");
    }

    /// <summary>A string-to-string map (labels, tmpfs, log options): keys are data, compared exactly; duplicates refused.</summary>
    public IReadOnlyDictionary<string, string>? Map(string name, bool required = false)
    {
        if (!Present(name, required, nullable: false, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Refuse(name, "must be an object of strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Refuse(name, "must be an object of strings");
            }

            if (!map.TryAdd(property.Name, property.Value.GetString()!))
            {
                throw Refuse(name, "has a key more than once");
            }
        }

        return map;
    }

    public StrictObject? Object(string name, IReadOnlySet<string> known, bool required = false) =>
        Present(name, required, nullable: false, out var value) ? new StrictObject(value, Field(name), known) : null;

    public EngineRequestRefusedException Refuse(string name, string problem) => new(Field(name), problem);

    private bool Present(string name, bool required, bool nullable, out JsonElement value)
    {
        if (!_properties.TryGetValue(name, out value))
        {
            return required ? throw Refuse(name, "is required") : false;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return nullable && !required ? false : throw Refuse(name, "must not be null");
        }

        return true;
    }
}
