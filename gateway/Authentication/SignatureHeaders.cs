using System.Globalization;
using Codeur.Gateway.Http;

namespace Codeur.Gateway.Authentication;

/// <summary>Small pieces the signature handlers share: the raw body, single-valued headers, the replay window.</summary>
internal static class SignatureHeaders
{
    public static ReadOnlyMemory<byte> RawBody(HttpContext context) =>
        context.Features.Get<BufferedBody>()?.Bytes ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>The header's only value, or null if absent; a repeated header is treated as malformed.</summary>
    public static bool TryGetSingle(HttpRequest request, string name, out string? value, out bool repeated)
    {
        value = null;
        repeated = false;
        if (!request.Headers.TryGetValue(name, out var values) || values.Count == 0)
        {
            return false;
        }

        repeated = values.Count > 1;
        value = values[0];
        return true;
    }

    /// <summary>Parses a Unix-seconds timestamp and checks it is within the replay window on either side of now.</summary>
    public static string? CheckTimestamp(string? text, TimeProvider time, out long seconds)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
        {
            return "request timestamp is not a Unix time in seconds";
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        return Math.Abs(now - seconds) > (long)GatewayAuthentication.ReplayWindow.TotalSeconds
            ? "request timestamp is outside the 5-minute replay window"
            : null;
    }

    /// <summary>Decodes <paramref name="hex"/> into exactly <paramref name="destination"/>.Length bytes.</summary>
    public static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination) =>
        hex.Length == destination.Length * 2
        && Convert.FromHexString(hex, destination, out _, out var written) == System.Buffers.OperationStatus.Done
        && written == destination.Length;
}
