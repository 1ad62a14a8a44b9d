namespace Codeur.Runner.Queue;

/// <summary>A task's lifecycle. Every state after <see cref="Running"/> is final; JSON and storage use snake_case names.</summary>
public enum TaskState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    OomKilled,
    OutputLimit,
    Cancelled,

    /// <summary>The runner died while the task ran. Never re-run silently: agents change code.</summary>
    Interrupted,

    /// <summary>Accepted, then refused before running (e.g. the project disappeared).</summary>
    Rejected,
}
