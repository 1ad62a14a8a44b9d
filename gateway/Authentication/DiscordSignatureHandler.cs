using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// Discord interactions: <c>X-Signature-Ed25519</c> over <c>X-Signature-Timestamp</c> followed by the raw body, with
/// <c>discord_public_key</c>, verified by NSec (libsodium). Discord probes endpoints with invalid signatures; they get 401.
/// </summary>
internal sealed class DiscordSignatureHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PlatformSecrets secrets,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SignatureHeader = "X-Signature-Ed25519";
    public const string TimestampHeader = "X-Signature-Timestamp";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(Authenticate());

    private AuthenticateResult Authenticate()
    {
        var hasSignature = SignatureHeaders.TryGetSingle(Request, SignatureHeader, out var signature, out var repeatedSignature);
        var hasTimestamp = SignatureHeaders.TryGetSingle(Request, TimestampHeader, out var timestamp, out var repeatedTimestamp);
        if (!hasSignature && !hasTimestamp)
        {
            return AuthenticateResult.NoResult();
        }

        if (secrets.Discord is not { } key)
        {
            return AuthenticationFailure.Fail(Context, "Discord signatures cannot be verified: discord_public_key is not configured (use a bearer token)");
        }

        if (!hasSignature || !hasTimestamp || repeatedSignature || repeatedTimestamp)
        {
            return AuthenticationFailure.Fail(Context, "Discord requests need exactly one X-Signature-Ed25519 and one X-Signature-Timestamp header");
        }

        if (SignatureHeaders.CheckTimestamp(timestamp, time, out _) is { } stale)
        {
            return AuthenticationFailure.Fail(Context, stale);
        }

        Span<byte> presented = stackalloc byte[64];
        if (signature is null || !SignatureHeaders.TryDecodeHex(signature, presented))
        {
            return AuthenticationFailure.Fail(Context, "malformed X-Signature-Ed25519 header (expected 128 hex digits)");
        }

        return Ed25519Verifier.Verify(key, Encoding.ASCII.GetBytes(timestamp!), SignatureHeaders.RawBody(Context).Span, presented)
            ? Identity.Success(Scheme.Name, "discord", "signature")
            : AuthenticationFailure.Fail(Context, "invalid X-Signature-Ed25519 signature");
    }
}

/// <summary>Ed25519 verification of <c>prefix || body</c> without an extra copy for small messages.</summary>
internal static class Ed25519Verifier
{
    public static bool Verify(PublicKey key, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        var length = prefix.Length + body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            prefix.CopyTo(rented);
            body.CopyTo(rented.AsSpan(prefix.Length));
            return SignatureAlgorithm.Ed25519.Verify(key, rented.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
