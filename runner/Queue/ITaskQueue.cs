namespace Codeur.Runner.Queue;

/// <summary>
/// The durable task queue. One interface, two implementations (SQLite embedded, Redis scaled out), one shared
/// test suite. A task is durable once <see cref="EnqueueAsync"/> returns; intake answers 2xx only after that.
/// </summary>
public interface ITaskQueue
{
    /// <summary>
    /// True when several runners share the store (Redis). A runner starting then interrupts only what its own
    /// previous life left running; other runners' tasks are reclaimed once their lease lapses.
    /// </summary>
    bool IsShared { get; }

    /// <summary>Persists a new task, or returns the existing one for a repeated dedupe key, or reports the queue full.</summary>
    Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the oldest queued task whose project has no running task (at most one running task per project;
    /// later tasks for a project wait in order) and marks it running with <paramref name="owner"/>. Null when none.
    /// One exception: tasks with <see cref="NewTask.Worktree"/> (runs in their own git worktree) may run together on
    /// one project; they still never run beside any other task of it.
    /// </summary>
    Task<TaskRecord?> ClaimNextAsync(string owner, CancellationToken cancellationToken);

    /// <summary>
    /// The worker is about to start a claimed task: from here on, if the runner dies, the task is interrupted rather
    /// than run again. Returns the current record (for a cancel flag set since the claim), or null if this runner no
    /// longer holds the task (its lease lapsed and another runner took it over): it must then not run it.
    /// </summary>
    Task<TaskRecord?> BeginAsync(string id, CancellationToken cancellationToken);

    /// <summary>Records the container that runs a claimed task (so a sweep after a crash can find it).</summary>
    Task SetContainerAsync(string id, string containerId, CancellationToken cancellationToken);

    /// <summary>Returns a claimed task that never started (the engine was unavailable at shutdown) to the queue, keeping its place.</summary>
    Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken);

    /// <summary>Moves a running task to its final state. Returns false if it was not running.</summary>
    Task<bool> CompleteAsync(string id, TaskOutcome outcome, CancellationToken cancellationToken);

    /// <summary>
    /// Cancels a task: a queued one becomes <see cref="TaskState.Cancelled"/> at once; a running one gets
    /// <see cref="TaskRecord.CancelRequested"/> for its worker to act on. Null if the task does not exist.
    /// </summary>
    Task<TaskRecord?> RequestCancelAsync(string id, CancellationToken cancellationToken);

    /// <summary>At start-up: tasks left running by a dead runner <paramref name="owner"/> (or any, when null) become interrupted.</summary>
    Task<IReadOnlyList<TaskRecord>> InterruptRunningAsync(string? owner, CancellationToken cancellationToken);

    Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<TaskRecord>> RecentAsync(int count, CancellationToken cancellationToken);

    /// <summary>
    /// Tasks matching <paramref name="query"/>, newest first, without <see cref="TaskRecord.Output"/> (up to
    /// <c>sandbox.output_limit</c> each: a listing reads the summary, the task route the output). See <see cref="TaskPage"/>.
    /// </summary>
    Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken);

    Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>Checks the store answers (for /health).</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
