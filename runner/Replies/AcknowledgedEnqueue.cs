using Codeur.Runner.Observability;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Replies;

/// <summary>
/// The intake's enqueue: the task, its dedupe key and (for platforms that show the user nothing of our answer) its
/// acknowledgement. Where the outbox lives in the queue's SQLite file, all three go in one transaction, which the
/// store's single writer commits together with the other requests that arrived meanwhile (one fsync for many); the
/// 202 leaves only after that commit. Elsewhere (Redis: the outbox is a local file) the task first, then the acknowledgement.
/// </summary>
internal sealed class AcknowledgedEnqueue(ITaskQueue queue, TaskReplies replies, IReplyOutbox outbox, IEnumerable<SqliteTaskQueue> stores)
{
    /// <summary>The queue's own SQLite store when the outbox writes into it too; null otherwise.</summary>
    private readonly SqliteTaskQueue? _shared = outbox is SqliteReplyOutbox sqlite && stores.Any(s => ReferenceEquals(s, sqlite.Store)) ? sqlite.Store : null;

    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_shared is not { } store)
        {
            var result = await RunnerTracing.EnqueueAsync(queue.EnqueueAsync, task, cancellationToken);
            if (result.Status == EnqueueStatus.Created)
            {
                // The acknowledgement is stored before a worker is woken, so it is ahead of the ending in the outbox.
                await replies.AcceptedAsync(result.Task!, result.QueuePosition);
            }

            return result;
        }

        if (!replies.WantsAck(task.Platform, task.ReplyContext))
        {
            return await RunnerTracing.EnqueueAsync(store.EnqueueAsync, task, cancellationToken);
        }

        var created = await RunnerTracing.EnqueueAsync(
            (withTrace, ct) => store.EnqueueAsync(withTrace, (connection, transaction, result, c) => replies.StoreAckAsync(connection, transaction, result.Task!, result.QueuePosition, c), ct),
            task,
            cancellationToken);
        if (created.Status == EnqueueStatus.Created)
        {
            replies.Stored();
        }

        return created;
    }
}
