namespace Codeur.Runner.Sandbox;

/// <summary>How a task's sandbox run ended. Exit code 137 alone cannot tell these apart; the executor's own flags can.</summary>
internal enum SandboxEnding
{
    Succeeded,
    Failed,
    TimedOut,
    OomKilled,
    OutputLimit,
    Cancelled,

    /// <summary>The runner died while the task ran (set by the queue on recovery; never re-run silently).</summary>
    Interrupted,

    /// <summary>Refused before anything ran: bad project path, no agent configured, spec verification failed.</summary>
    Rejected,
}
