namespace Codeur.Runner.Sandbox;

/// <summary>What a sandbox run produced. <see cref="Output"/> is stdout and stderr interleaved, capped.</summary>
internal sealed record SandboxResult(
    SandboxEnding Ending,
    long? ExitCode,
    string Output,
    long OutputBytes,
    bool OutputTruncated,
    TimeSpan Duration,
    string? Error = null,
    string? ContainerId = null)
{
    public static SandboxResult Rejected(string reason, TimeSpan duration = default) =>
        new(SandboxEnding.Rejected, null, "", 0, false, duration, reason);
}
