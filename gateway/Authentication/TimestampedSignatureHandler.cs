using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// What Slack's and Discord's schemes share: a signature header and a timestamp header that come as a pair, a
/// replay window on the timestamp, and "not configured" when the platform's key is absent. Subclasses verify.
/// </summary>
internal abstract class TimestampedSignatureHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<PlatformSecrets> secrets,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected abstract string PlatformName { get; }

    protected abstract string SignatureHeader { get; }

    protected abstract string TimestampHeader { get; }

    /// <summary>The <c>.agent.yaml</c> key that must be set for these signatures to be checked.</summary>
    protected abstract string ConfigKey { get; }

    protected abstract bool IsConfigured(PlatformSecrets secrets);

    /// <summary>Checks <paramref name="signature"/> over the timestamp and the raw body with the key in <paramref name="secrets"/>; returns why it fails, or null.</summary>
    protected abstract string? Verify(PlatformSecrets secrets, string signature, string timestamp, ReadOnlySpan<byte> body);

    protected sealed override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(Authenticate());

    private AuthenticateResult Authenticate()
    {
        var hasSignature = SignatureHeaders.TryGetSingle(Request, SignatureHeader, out var signature, out var repeatedSignature);
        var hasTimestamp = SignatureHeaders.TryGetSingle(Request, TimestampHeader, out var timestamp, out var repeatedTimestamp);
        if (!hasSignature && !hasTimestamp)
        {
            return AuthenticateResult.NoResult();
        }

        // One snapshot for the whole check: a rotation between two reads cannot split it.
        var keys = secrets.CurrentValue;
        if (!IsConfigured(keys))
        {
            return AuthenticationFailure.Fail(Context, $"{PlatformName} signatures cannot be verified: {ConfigKey} is not configured (use a bearer token)");
        }

        if (!hasSignature || !hasTimestamp || repeatedSignature || repeatedTimestamp)
        {
            return AuthenticationFailure.Fail(Context, $"{PlatformName} requests need exactly one {SignatureHeader} and one {TimestampHeader} header");
        }

        if (SignatureHeaders.CheckTimestamp(timestamp, time, out _) is { } stale)
        {
            return AuthenticationFailure.Fail(Context, stale);
        }

        return Verify(keys, signature ?? "", timestamp!, SignatureHeaders.RawBody(Context).Span) is { } invalid
            ? AuthenticationFailure.Fail(Context, invalid)
            : Identity.Success(Scheme.Name, PlatformName.ToLowerInvariant(), "signature");
    }
}
