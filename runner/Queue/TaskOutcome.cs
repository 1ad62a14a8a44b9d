namespace Codeur.Runner.Queue;

/// <summary>How a claimed task ended; <see cref="State"/> must be a final state.</summary>
public sealed record TaskOutcome(TaskState State, int? ExitCode, string? Output, string? Error);
