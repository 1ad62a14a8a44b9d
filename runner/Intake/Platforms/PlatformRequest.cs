namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// One webhook request as the parsers see it: raw body, content type, a header lookup (case-insensitive, first
/// value), the identity the gateway verified (e.g. <c>token:ci</c>), used as requester when the payload has none, and
/// whether the platform itself signed it.
/// </summary>
internal sealed record PlatformRequest(ReadOnlyMemory<byte> Body, string? ContentType, Func<string, string?> Header, string? Identity = null, bool Signed = false)
{
    public static Func<string, string?> NoHeaders { get; } = _ => null;
}
