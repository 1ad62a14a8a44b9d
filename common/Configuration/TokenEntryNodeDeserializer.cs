using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Codeur.Configuration;

/// <summary>Reads the short form of a token (a plain string) as a <see cref="TokenEntry"/>; mappings fall through to the object deserializer.</summary>
internal sealed class TokenEntryNodeDeserializer : INodeDeserializer
{
    public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
    {
        if (expectedType == typeof(TokenEntry) && reader.Current is Scalar scalar)
        {
            reader.MoveNext();
            value = new TokenEntry { Token = scalar.Value };
            return true;
        }

        value = null;
        return false;
    }
}
