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
    IOptionsMonitor<PlatformSecrets> secrets,
    TimeProvider time)
    : TimestampedSignatureHandler(options, logger, encoder, secrets, time)
{
    protected override string PlatformName => "Slack";

    protected override string SignatureHeader => "X-Slack-Signature";

    protected override string TimestampHeader => "X-Slack-Request-Timestamp";

    protected override string ConfigKey => "slack_signing_secret";

    protected override bool IsConfigured(PlatformSecrets secrets) => secrets.Slack is not null;

    protected override string? Verify(PlatformSecrets secrets, string signature, string timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!signature.StartsWith("v0=", StringComparison.Ordinal) || !SignatureHeaders.TryDecodeHex(signature.AsSpan(3), presented))
        {
            return "malformed X-Slack-Signature header (expected v0= and 64 hex digits)";
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secrets.Slack!);
        hmac.AppendData("v0:"u8);
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp));
        hmac.AppendData(":"u8);
        hmac.AppendData(body);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(expected);
        return CryptographicOperations.FixedTimeEquals(presented, expected) ? null : "invalid X-Slack-Signature signature";
    }
}
