namespace Codeur.Runner.Queue;

/// <summary>What intake hands to the queue: a parsed, authorised, routed command. Persisted before the 2xx.</summary>
public sealed record NewTask
{
    /// <summary>github, slack, discord or api.</summary>
    public required string Platform { get; init; }

    /// <summary>run, analyze, search or status.</summary>
    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The project name (mapping name) and its canonical, guarded path: the only bind mount.</summary>
    public required string Project { get; init; }

    public required string ProjectPath { get; init; }

    /// <summary>Platform user id or login, or the bearer identity for API calls.</summary>
    public required string Requester { get; init; }

    public string? Repository { get; init; }

    /// <summary>Idempotency key (X-GitHub-Delivery, Slack event_id, Discord interaction id); unique when set.</summary>
    public string? DedupeKey { get; init; }

    /// <summary>Opaque JSON the reply stage needs (issue number, response_url, interaction token...).</summary>
    public string? ReplyContext { get; init; }

    /// <summary>
    /// A <c>run</c> that works in its own git worktree: it may run beside other such tasks of its project (see
    /// <see cref="ITaskQueue.ClaimNextAsync"/>); every other task has its project to itself.
    /// </summary>
    public bool Worktree { get; init; }

    /// <summary>W3C <c>traceparent</c> of the span that enqueued the task; the task's own spans continue that trace.</summary>
    public string? TraceParent { get; init; }
}
