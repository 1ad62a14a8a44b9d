namespace Codeur.Runner.Queue;

/// <summary>How a claimed task ended; <see cref="State"/> must be a final state.</summary>
public sealed record TaskOutcome(TaskState State, int? ExitCode, string? Output, string? Error)
{
    /// <summary>The branch, commits and diffstat of a <c>run</c> task that worked in a git worktree.</summary>
    public TaskGitResult? Git { get; init; }

    /// <summary>Set when the output went to object storage; <see cref="Output"/> is then null.</summary>
    public TaskOutputObject? OutputObject { get; init; }
}
