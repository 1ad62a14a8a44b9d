namespace Codeur.Runner.Replies;

/// <summary>
/// Durable replies: stored with the task, handed out in order per task until delivered or expired, across restarts.
/// Small on purpose so another store (Redis) can implement it beside its queue.
/// </summary>
public interface IReplyOutbox
{
    /// <summary>
    /// Stores a reply due now. A progress reply replaces the task's undelivered one (only the latest matters); an
    /// ending drops the task's undelivered progress; an acknowledgement stored after the task's ending is dropped.
    /// </summary>
    Task AddAsync(OutgoingReply reply, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Pending replies due at <paramref name="now"/>, oldest first, none behind an earlier pending reply of the same task.</summary>
    Task<IReadOnlyList<StoredReply>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Marks a reply delivered, keeping the platform's message id (for later edits).</summary>
    Task DeliveredAsync(long id, string? messageRef, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt: retried at <paramref name="nextAttempt"/>, or given up (expired) when that is null.</summary>
    Task FailedAsync(long id, string error, DateTimeOffset? nextAttempt, CancellationToken cancellationToken);

    /// <summary>Undelivered replies (pending), for /health-style checks and tests.</summary>
    Task<int> PendingCountAsync(CancellationToken cancellationToken);
}
