using Codeur.Runner.Queue;
using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Tests.Workers;

/// <summary>A real queue whose first claims and first completions fail the way SQLite does on a full disk.</summary>
internal sealed class FaultyStoreQueue(ITaskQueue inner, int claimFailures, int completeFailures) : ITaskQueue
{
    private int _claimsLeft = claimFailures;
    private int _completionsLeft = completeFailures;
    private int _claimsFailed;
    private int _completionsFailed;

    public int ClaimsFailed => Volatile.Read(ref _claimsFailed);

    public int CompletionsFailed => Volatile.Read(ref _completionsFailed);

    public Task<TaskRecord?> ClaimNextAsync(string owner, CancellationToken cancellationToken) =>
        Interlocked.Decrement(ref _claimsLeft) >= 0 ? throw Full(ref _claimsFailed) : inner.ClaimNextAsync(owner, cancellationToken);

    public Task<bool> CompleteAsync(string id, TaskOutcome outcome, CancellationToken cancellationToken) =>
        Interlocked.Decrement(ref _completionsLeft) >= 0 ? throw Full(ref _completionsFailed) : inner.CompleteAsync(id, outcome, cancellationToken);

    private static SqliteException Full(ref int failed)
    {
        Interlocked.Increment(ref failed);
        return new("SQLite Error 13: 'database or disk is full'.", 13);
    }

    public bool IsShared => inner.IsShared;

    public Task<TaskRecord?> BeginAsync(string id, CancellationToken cancellationToken) => inner.BeginAsync(id, cancellationToken);

    public Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken) => inner.EnqueueAsync(task, cancellationToken);

    public Task SetContainerAsync(string id, string containerId, CancellationToken cancellationToken) => inner.SetContainerAsync(id, containerId, cancellationToken);

    public Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken) => inner.ReleaseAsync(id, cancellationToken);

    public Task<TaskRecord?> RequestCancelAsync(string id, CancellationToken cancellationToken) => inner.RequestCancelAsync(id, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> InterruptRunningAsync(string? owner, CancellationToken cancellationToken) => inner.InterruptRunningAsync(owner, cancellationToken);

    public Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> RecentAsync(int count, CancellationToken cancellationToken) => inner.RecentAsync(count, cancellationToken);

    public Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
