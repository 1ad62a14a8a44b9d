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
    IOptionsMonitor<PlatformSecrets> secrets,
    TimeProvider time)
    : TimestampedSignatureHandler(options, logger, encoder, secrets, time)
{
    protected override string PlatformName => "Discord";

    protected override string SignatureHeader => "X-Signature-Ed25519";

    protected override string TimestampHeader => "X-Signature-Timestamp";

    protected override string ConfigKey => "discord_public_key";

    protected override bool IsConfigured(PlatformSecrets secrets) => secrets.Discord is not null;

    protected override string? Verify(PlatformSecrets secrets, string signature, string timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> presented = stackalloc byte[64];
        if (!SignatureHeaders.TryDecodeHex(signature, presented))
        {
            return "malformed X-Signature-Ed25519 header (expected 128 hex digits)";
        }

        return Ed25519Verifier.Verify(secrets.Discord!, Encoding.ASCII.GetBytes(timestamp), body, presented) ? null : "invalid X-Signature-Ed25519 signature";
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
