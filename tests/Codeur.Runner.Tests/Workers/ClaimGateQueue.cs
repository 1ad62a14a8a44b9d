using Codeur.Runner.Queue;

namespace Codeur.Runner.Tests.Workers;

/// <summary>
/// Delegates to a real queue but holds the first successful claim before handing the task to the worker, so a
/// test can act in the window between "claimed in the store" and "registered as running in this process".
/// </summary>
internal sealed class ClaimGateQueue(ITaskQueue inner) : ITaskQueue
{
    private readonly TaskCompletionSource _claimed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    public Task Claimed => _claimed.Task;

    public bool IsShared => inner.IsShared;

    public Task<TaskRecord?> BeginAsync(string id, CancellationToken cancellationToken) => inner.BeginAsync(id, cancellationToken);

    public void Release() => _release.TrySetResult();

    public async Task<TaskRecord?> ClaimNextAsync(string owner, CancellationToken cancellationToken)
    {
        var task = await inner.ClaimNextAsync(owner, cancellationToken);
        if (task is not null && Interlocked.Exchange(ref _held, 1) == 0)
        {
            _claimed.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
        }

        return task;
    }

    public Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken) => inner.EnqueueAsync(task, cancellationToken);

    public Task SetContainerAsync(string id, string containerId, CancellationToken cancellationToken) => inner.SetContainerAsync(id, containerId, cancellationToken);

    public Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken) => inner.ReleaseAsync(id, cancellationToken);

    public Task<bool> CompleteAsync(string id, TaskOutcome outcome, CancellationToken cancellationToken) => inner.CompleteAsync(id, outcome, cancellationToken);

    public Task<TaskRecord?> RequestCancelAsync(string id, CancellationToken cancellationToken) => inner.RequestCancelAsync(id, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> InterruptRunningAsync(string? owner, CancellationToken cancellationToken) => inner.InterruptRunningAsync(owner, cancellationToken);

    public Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> RecentAsync(int count, CancellationToken cancellationToken) => inner.RecentAsync(count, cancellationToken);

    public Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
