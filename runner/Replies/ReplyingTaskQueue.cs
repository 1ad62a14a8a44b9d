using Codeur.Runner.Queue;

namespace Codeur.Runner.Replies;

/// <summary>
/// The task queue, plus a reply for every ending wherever it happens: a worker completing a task, a queued task
/// cancelled (from chat or the task API), tasks found interrupted at start-up. Wrapping the queue (whatever its
/// backend) means no path to a final state can forget to answer.
/// </summary>
internal sealed class ReplyingTaskQueue(ITaskQueue inner, Func<TaskReplies> replies) : ITaskQueue
{
    public bool IsShared => inner.IsShared;

    public Task<TaskRecord?> BeginAsync(string id, CancellationToken cancellationToken) => inner.BeginAsync(id, cancellationToken);

    public Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken) => inner.EnqueueAsync(task, cancellationToken);

    public Task<TaskRecord?> ClaimNextAsync(string owner, CancellationToken cancellationToken) => inner.ClaimNextAsync(owner, cancellationToken);

    public Task SetContainerAsync(string id, string containerId, CancellationToken cancellationToken) => inner.SetContainerAsync(id, containerId, cancellationToken);

    public Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken) => inner.ReleaseAsync(id, cancellationToken);

    public async Task<bool> CompleteAsync(string id, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        if (!await inner.CompleteAsync(id, outcome, cancellationToken))
        {
            return false;
        }

        if (await inner.GetAsync(id, CancellationToken.None) is { } task)
        {
            await replies().EndedAsync(task);
        }

        return true;
    }

    public async Task<TaskRecord?> RequestCancelAsync(string id, CancellationToken cancellationToken)
    {
        var before = await inner.GetAsync(id, cancellationToken);
        var after = await inner.RequestCancelAsync(id, cancellationToken);
        if (before is { State: TaskState.Queued } && after is { State: TaskState.Cancelled })
        {
            await replies().EndedAsync(after);
        }

        return after;
    }

    public async Task<IReadOnlyList<TaskRecord>> InterruptRunningAsync(string? owner, CancellationToken cancellationToken)
    {
        var interrupted = await inner.InterruptRunningAsync(owner, cancellationToken);
        foreach (var task in interrupted)
        {
            await replies().EndedAsync(task);
        }

        return interrupted;
    }

    public Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> RecentAsync(int count, CancellationToken cancellationToken) => inner.RecentAsync(count, cancellationToken);

    public Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
