using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Codeur.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// <c>Authorization: Bearer</c> against <c>auth_token</c> (named <c>default</c>) and the named <c>tokens</c>. Tokens are
/// compared as SHA-256 digests with a fixed-time comparison against every configured token, so neither the
/// length nor which token matched shows in the timing.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    BearerTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderNames.Authorization, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var header = values.Count == 1 ? values[0] : null;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticationFailure.Fail(Context, "Authorization header is not a single bearer token"));
        }

        var name = tokens.Match(header.AsSpan(7).Trim());
        return Task.FromResult(name is null
            ? AuthenticationFailure.Fail(Context, "invalid bearer token")
            : Identity.Success(Scheme.Name, "token:" + name, "bearer"));
    }
}

/// <summary>The configured bearer tokens, kept only as digests.</summary>
internal sealed class BearerTokens
{
    private readonly (string Name, byte[] Digest)[] _tokens;

    public BearerTokens(AgentConfig config)
    {
        var webhook = config.Webhook;
        var all = webhook.Tokens.Select(kv => (kv.Key, kv.Value.Token)).ToList();
        if (webhook.AuthToken is { } token)
        {
            all.Insert(0, ("default", token));
        }

        _tokens = [.. all.Select(t => (t.Item1, SHA256.HashData(Encoding.UTF8.GetBytes(t.Item2))))];
    }

    public bool Any => _tokens.Length > 0;

    public string? Match(ReadOnlySpan<char> presented)
    {
        if (_tokens.Length == 0 || presented.IsEmpty)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(presented.Length) <= utf8.Length
            ? utf8[..Encoding.UTF8.GetBytes(presented, utf8)]
            : Encoding.UTF8.GetBytes(presented.ToArray());
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, digest);

        string? match = null;
        foreach (var (name, expected) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                match ??= name;
            }
        }

        return match;
    }
}
