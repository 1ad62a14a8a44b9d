using System.Security.Cryptography;
using System.Text;

namespace Codeur.Gateway.Authentication;

/// <summary>One accepted token: its name, the digest of its value, and its scopes.</summary>
internal sealed record ConfiguredToken(string Name, byte[] Digest, IReadOnlySet<string> Scopes)
{
    public string Identity { get; } = "token:" + Name;

    /// <summary>The scopes as forwarded in <c>X-Codeur-Scopes</c>: sorted, space-separated, built once per configuration.</summary>
    public string ScopeText { get; } = string.Join(' ', Scopes.Order(StringComparer.Ordinal));

    public static ConfiguredToken Create(string name, string value, IEnumerable<string> scopes) =>
        new(name, SHA256.HashData(Encoding.UTF8.GetBytes(value)), new HashSet<string>(scopes, StringComparer.Ordinal));
}
