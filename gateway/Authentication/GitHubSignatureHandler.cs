using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.Authentication;

/// <summary><c>X-Hub-Signature-256: sha256=HEX</c>, an HMAC-SHA256 of the raw body with <c>github_webhook_secret</c>.</summary>
internal sealed class GitHubSignatureHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<PlatformSecrets> secrets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SignatureHeader = "X-Hub-Signature-256";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!SignatureHeaders.TryGetSingle(Request, SignatureHeader, out var header, out var repeated))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (secrets.CurrentValue.GitHub is not { } key)
        {
            return Task.FromResult(AuthenticationFailure.Fail(Context, "X-Hub-Signature-256 cannot be verified: github_webhook_secret is not configured (use a bearer token)"));
        }

        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (repeated || header is null || !header.StartsWith("sha256=", StringComparison.Ordinal)
            || !SignatureHeaders.TryDecodeHex(header.AsSpan(7), presented))
        {
            return Task.FromResult(AuthenticationFailure.Fail(Context, "malformed X-Hub-Signature-256 header (expected sha256= and 64 hex digits)"));
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, SignatureHeaders.RawBody(Context).Span, expected);
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(presented, expected)
            ? Identity.Success(Scheme.Name, "github", "signature")
            : AuthenticationFailure.Fail(Context, "invalid X-Hub-Signature-256 signature"));
    }
}
