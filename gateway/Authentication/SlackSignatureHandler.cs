using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// Slack's v0 signature: <c>X-Slack-Signature: v0=HEX</c>, an HMAC-SHA256 of <c>v0:{timestamp}:{body}</c> with
/// <c>slack_signing_secret</c>; a timestamp more than five minutes from now, either way, is a replay.
/// </summary>
internal sealed class SlackSignatureHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PlatformSecrets secrets,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(Authenticate());

    private AuthenticateResult Authenticate()
    {
        var hasSignature = SignatureHeaders.TryGetSingle(Request, SignatureHeader, out var signature, out var repeatedSignature);
        var hasTimestamp = SignatureHeaders.TryGetSingle(Request, TimestampHeader, out var timestamp, out var repeatedTimestamp);
        if (!hasSignature && !hasTimestamp)
        {
            return AuthenticateResult.NoResult();
        }

        if (secrets.Slack is not { } key)
        {
            return AuthenticationFailure.Fail(Context, "Slack signatures cannot be verified: slack_signing_secret is not configured (use a bearer token)");
        }

        if (!hasSignature || !hasTimestamp || repeatedSignature || repeatedTimestamp)
        {
            return AuthenticationFailure.Fail(Context, "Slack requests need exactly one X-Slack-Signature and one X-Slack-Request-Timestamp header");
        }

        if (SignatureHeaders.CheckTimestamp(timestamp, time, out _) is { } stale)
        {
            return AuthenticationFailure.Fail(Context, stale);
        }

        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (signature is null || !signature.StartsWith("v0=", StringComparison.Ordinal) || !SignatureHeaders.TryDecodeHex(signature.AsSpan(3), presented))
        {
            return AuthenticationFailure.Fail(Context, "malformed X-Slack-Signature header (expected v0= and 64 hex digits)");
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData("v0:"u8);
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp!));
        hmac.AppendData(":"u8);
        hmac.AppendData(SignatureHeaders.RawBody(Context).Span);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(expected);

        return CryptographicOperations.FixedTimeEquals(presented, expected)
            ? Identity.Success(Scheme.Name, "slack", "signature")
            : AuthenticationFailure.Fail(Context, "invalid X-Slack-Signature signature");
    }
}
