using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// Matches a presented bearer token against the configured ones. Tokens are compared as SHA-256 digests with a
/// fixed-time comparison against every configured token, so neither the length nor which token matched shows in
/// the timing. The set is read from the live options per request, so rotation and revocation need no restart.
/// </summary>
internal sealed class BearerTokens(IOptionsMonitor<BearerTokenOptions> options)
{
    public ConfiguredToken? Match(ReadOnlySpan<char> presented)
    {
        var tokens = options.CurrentValue.Tokens;
        if (tokens.Count == 0 || presented.IsEmpty)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(presented.Length) <= utf8.Length
            ? utf8[..Encoding.UTF8.GetBytes(presented, utf8)]
            : Encoding.UTF8.GetBytes(presented.ToArray());
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, digest);

        ConfiguredToken? match = null;
        foreach (var token in tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, token.Digest))
            {
                match ??= token;
            }
        }

        return match;
    }
}
