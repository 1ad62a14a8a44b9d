namespace Codeur.Runner.Sandbox;

/// <summary>The public snake_case names of <see cref="SandboxEnding"/> (task API, audit log, metrics).</summary>
internal static class SandboxEndingNames
{
    public static string ToName(this SandboxEnding ending) => ending switch
    {
        SandboxEnding.Succeeded => "succeeded",
        SandboxEnding.Failed => "failed",
        SandboxEnding.TimedOut => "timed_out",
        SandboxEnding.OomKilled => "oom_killed",
        SandboxEnding.OutputLimit => "output_limit",
        SandboxEnding.Cancelled => "cancelled",
        SandboxEnding.Interrupted => "interrupted",
        SandboxEnding.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(ending), ending, null),
    };
}
