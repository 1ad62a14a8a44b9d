namespace Codeur.Runner.Queue;

/// <summary>A stored task with its state, timings and (capped) result.</summary>
public sealed record TaskRecord
{
    public required string Id { get; init; }

    /// <summary>Monotonic enqueue order; FIFO within a project.</summary>
    public required long Sequence { get; init; }

    public required string Platform { get; init; }
    public required string Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public required string Project { get; init; }
    public required string ProjectPath { get; init; }
    public required string Requester { get; init; }
    public string? Repository { get; init; }
    public string? DedupeKey { get; init; }
    public string? ReplyContext { get; init; }

    /// <summary>A <c>run</c> in its own git worktree, which may share its project with other such runs.</summary>
    public bool Worktree { get; init; }

    /// <summary>W3C <c>traceparent</c> of the request that created the task (see <see cref="NewTask.TraceParent"/>).</summary>
    public string? TraceParent { get; init; }

    public required TaskState State { get; init; }
    public bool CancelRequested { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>Why the task ended the way it did, in words a user can act on.</summary>
    public string? Error { get; init; }

    /// <summary>Combined stdout/stderr, capped.</summary>
    public string? Output { get; init; }

    /// <summary>The output's object in <c>storage.s3</c> when it was too large to keep inline (<see cref="Output"/> is then null).</summary>
    public TaskOutputObject? OutputObject { get; init; }

    /// <summary>The runner instance that claimed the task (for sweeps and, scaled out, reclaim).</summary>
    public string? Owner { get; init; }

    public string? ContainerId { get; init; }

    /// <summary>Branch, commits and diffstat of a <c>run</c> task on a git project (see <see cref="TaskGitResult"/>).</summary>
    public TaskGitResult? Git { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}
