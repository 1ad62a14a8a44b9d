using Codeur.Audit;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Storage;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

/// <summary>
/// <c>webhook.workers</c> loops that claim tasks (the queue enforces one running task per project) and run them.
/// On start, tasks a dead runner left running become interrupted. On stop, claiming ends, running tasks get
/// <c>runner.shutdown_grace</c> to finish, then are killed and marked interrupted. A loop that faults stops the host.
/// </summary>
internal sealed partial class WorkerPool(
    ITaskQueue queue,
    ITaskExecutor executor,
    OutputStorage outputs,
    WorkSignal signal,
    RunningTasks running,
    RunnerMetrics metrics,
    AuditLog audit,
    AgentConfig config,
    RunnerInstance instance,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerPool> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // Cancelled first thing in StopAsync: a worker freed during the grace must not start another task.
    private readonly CancellationTokenSource _claiming = new();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Alone on its store, every running task is a previous life's; shared, only those under this runner's name.
        foreach (var task in await queue.InterruptRunningAsync(queue.IsShared ? instance.Id : null, cancellationToken))
        {
            Log.Interrupted(logger, task.Id, task.Project);
            audit.Write(new AuditRecord("task_finished") { Level = "warning", TaskId = task.Id, Project = task.Project, Platform = task.Platform, User = task.Requester, Reason = "interrupted: the runner stopped while it ran" });
            metrics.Finished(task.Command, TaskState.Interrupted, null);
        }

        metrics.Queue(await queue.GetStatsAsync(cancellationToken));
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = Enumerable.Range(0, config.Webhook.Workers).Select(i => LoopAsync(i, stoppingToken)).ToArray();
        await Task.WhenAll(loops);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _claiming.CancelAsync();
        var inFlight = running.Snapshot();
        if (inFlight.Count > 0)
        {
            Log.Draining(logger, inFlight.Count, config.Webhook.Runner.ShutdownGrace);
            var all = Task.WhenAll(inFlight.Select(r => r.Finished));
            var grace = Task.Delay(TimeSpan.FromSeconds(config.Webhook.Runner.ShutdownGrace), time, cancellationToken);
            if (await Task.WhenAny(all, grace) != all)
            {
                foreach (var task in inFlight)
                {
                    task.Interrupt();
                }
            }
        }

        await base.StopAsync(cancellationToken);
    }

    private async Task LoopAsync(int index, CancellationToken stoppingToken)
    {
        using var claiming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _claiming.Token);
        var storeBackoff = TimeSpan.FromSeconds(1);
        try
        {
            while (!claiming.IsCancellationRequested)
            {
                TaskRecord? task;
                var claimStarted = time.GetUtcNow();
                try
                {
                    task = await queue.ClaimNextAsync(instance.Id, stoppingToken);
                    storeBackoff = TimeSpan.FromSeconds(1);
                }
                catch (Exception ex) when (IsStoreFault(ex))
                {
                    // The store cannot write (disk full...): wait and retry rather than stop the runner, whose
                    // intake still answers and whose running tasks still need to finish.
                    Log.StoreUnavailable(logger, "claim", storeBackoff.TotalSeconds, ex.Message);
                    await Task.Delay(storeBackoff, time, claiming.Token);
                    storeBackoff = TimeSpan.FromTicks(Math.Min(storeBackoff.Ticks * 2, MaxBackoff.Ticks));
                    continue;
                }

                if (task is null)
                {
                    metrics.Queue(await queue.GetStatsAsync(stoppingToken));
                    await signal.WaitAsync(IdlePoll, time, claiming.Token);
                    continue;
                }

                await RunAsync(task, claimStarted, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (claiming.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A worker that dies silently would leave tasks queued forever: stop the host so it is restarted.
            Log.WorkerFailed(logger, index, ex);
            lifetime.StopApplication();
            throw;
        }
    }

    private async Task RunAsync(TaskRecord task, DateTimeOffset claimStarted, CancellationToken stoppingToken)
    {
        using var span = RunnerTracing.StartTask(task, claimStarted);
        using var current = running.Start(task.Id);
        if (_claiming.IsCancellationRequested)
        {
            // Claimed just as the pool began to stop, perhaps after StopAsync took its snapshot: nothing ran, so
            // the task goes back in line rather than running unsupervised through the shutdown.
            running.Finish(current);
            current.MarkFinished();
            await queue.ReleaseAsync(task.Id, CancellationToken.None);
            return;
        }

        // Past this point a runner that dies leaves the task interrupted, never re-run. A task this runner no longer
        // holds (its lease lapsed and another runner took it over) must not run here.
        var begun = await queue.BeginAsync(task.Id, CancellationToken.None);
        if (begun is null)
        {
            Log.LostBeforeStart(logger, task.Id, task.Project);
            running.Finish(current);
            current.MarkFinished();
            return;
        }

        // A cancel that landed between the claim and Start found nothing here to stop; it left its flag in the store.
        if (begun.CancelRequested)
        {
            current.Cancel();
        }

        metrics.Busy(1);
        var started = time.GetTimestamp();
        audit.Write(new AuditRecord("task_started") { TaskId = task.Id, Project = task.Project, Platform = task.Platform, User = task.Requester, Task = task.Command });
        Log.Started(logger, task.Id, task.Command, task.Project);
        try
        {
            var outcome = await ExecuteWithRetryAsync(task, current, stoppingToken);
            if (outcome is null)
            {
                // Shut down while the engine was unavailable: nothing ran, so the task goes back in line.
                await queue.ReleaseAsync(task.Id, CancellationToken.None);
                return;
            }

            if (current.Interrupted)
            {
                outcome = outcome with { State = TaskState.Interrupted, Error = "the runner shut down while the task ran; not re-run because agents change code" };
            }

            span?.SetTag("codeur.ending", outcome.State.ToName());

            // Not the stopping token: the upload is bounded by storage.s3.timeout, and a failed one keeps the output inline.
            outcome = await outputs.OffloadAsync(task.Id, outcome, CancellationToken.None);
            await CompleteDurablyAsync(task.Id, outcome, stoppingToken);
            var elapsed = time.GetElapsedTime(started);
            metrics.Finished(task.Command, outcome.State, elapsed);
            audit.Write(new AuditRecord("task_finished")
            {
                Level = outcome.State == TaskState.Succeeded ? "info" : "warning",
                TaskId = task.Id,
                Project = task.Project,
                Platform = task.Platform,
                User = task.Requester,
                Task = task.Command,
                DurationMs = elapsed.TotalMilliseconds,
                Reason = outcome.State.ToName() + (outcome.Error is null ? "" : ": " + outcome.Error),
            });
            Log.Finished(logger, task.Id, outcome.State.ToName(), outcome.ExitCode, elapsed.TotalMilliseconds);
        }
        finally
        {
            metrics.Busy(-1);
            running.Finish(current);
            current.MarkFinished();
            signal.Notify();
        }
    }

    /// <summary>
    /// Records the ending, retrying while the store cannot write (disk full...): the ending is known and true, and
    /// recording it later beats stopping the runner, which would turn it into "interrupted" at the next start.
    /// </summary>
    private async Task CompleteDurablyAsync(string id, TaskOutcome outcome, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await queue.CompleteAsync(id, outcome, CancellationToken.None);
                return;
            }
            catch (Exception ex) when (IsStoreFault(ex) && !stoppingToken.IsCancellationRequested)
            {
                Log.StoreUnavailable(logger, "complete " + id, backoff.TotalSeconds, ex.Message);
                await Task.Delay(backoff, time, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Faults of the store itself (a full disk, a locked or vanished file), as opposed to bugs of ours.</summary>
    private static bool IsStoreFault(Exception ex) =>
        ex is System.Data.Common.DbException or IOException or StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException;

    /// <summary>Runs the task, waiting with back-off while the engine is unavailable. Null: stopped before anything ran.</summary>
    private async Task<TaskOutcome?> ExecuteWithRetryAsync(TaskRecord task, RunningTask current, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return await executor.ExecuteAsync(task, current.Output, current.Token);
            }
            catch (Exception ex) when (ex is not (ExecutorUnavailableException or OperationCanceledException))
            {
                // A fault of ours in one task's execution ends that task truthfully; the runner keeps serving.
                Log.ExecutionFailed(logger, task.Id, ex);
                return new TaskOutcome(TaskState.Failed, null, current.Output.Snapshot(), "internal error while running the task: " + ex.Message);
            }
            catch (ExecutorUnavailableException ex)
            {
                Log.EngineUnavailable(logger, task.Id, backoff.TotalSeconds, ex.Message);
                try
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(current.Token, stoppingToken);
                    await Task.Delay(backoff, time, wait.Token);
                }
                catch (OperationCanceledException)
                {
                    if (current.Token.IsCancellationRequested && !current.Interrupted)
                    {
                        return new TaskOutcome(TaskState.Cancelled, null, null, "cancelled before it started");
                    }

                    return null;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "Task {TaskId} started: {Command} in {Project}")]
        public static partial void Started(ILogger logger, string taskId, string command, string project);

        [LoggerMessage(101, LogLevel.Information, "Task {TaskId} finished: {Ending} (exit code {ExitCode}) after {DurationMs} ms")]
        public static partial void Finished(ILogger logger, string taskId, string ending, int? exitCode, double durationMs);

        [LoggerMessage(102, LogLevel.Warning, "Task {TaskId} in {Project} was running when the runner stopped: marked interrupted")]
        public static partial void Interrupted(ILogger logger, string taskId, string project);

        [LoggerMessage(103, LogLevel.Warning, "Execution engine unavailable for task {TaskId}; retrying in {Seconds} s: {Reason}")]
        public static partial void EngineUnavailable(ILogger logger, string taskId, double seconds, string reason);

        [LoggerMessage(104, LogLevel.Information, "Stopping: waiting up to {GraceSeconds} s for {Count} running tasks")]
        public static partial void Draining(ILogger logger, int count, int graceSeconds);

        [LoggerMessage(106, LogLevel.Error, "Task {TaskId} failed inside the runner")]
        public static partial void ExecutionFailed(ILogger logger, string taskId, Exception exception);

        [LoggerMessage(107, LogLevel.Error, "Task queue unavailable during {Operation}; retrying in {Seconds} s: {Reason}")]
        public static partial void StoreUnavailable(ILogger logger, string operation, double seconds, string reason);

        [LoggerMessage(108, LogLevel.Warning, "Task {TaskId} in {Project} is no longer held by this runner (its lease lapsed); not starting it")]
        public static partial void LostBeforeStart(ILogger logger, string taskId, string project);

        [LoggerMessage(105, LogLevel.Critical, "Worker {Index} failed; stopping the runner so it is restarted")]
        public static partial void WorkerFailed(ILogger logger, int index, Exception exception);
    }
}
