using System.Diagnostics.Metrics;
using Codeur.Audit;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Storage;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Workers;

/// <summary>The worker pool over a real SQLite queue file, with a scripted executor and a fake clock for back-off and grace.</summary>
public sealed class WorkerPoolTests : IAsyncLifetime
{
    private const string Owner = "runner-under-test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-workers-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WorkSignal _signal = new();
    private readonly RunningTasks _running = new();
    private readonly RecordingLifetime _lifetime = new();
    private readonly List<WorkerPool> _pools = [];
    private SqliteTaskQueue _queue = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _queue = new SqliteTaskQueue(new QueueSection { Path = Path.Combine(_directory, "codeur.db") }, _time, NullLogger<SqliteTaskQueue>.Instance);
        await _queue.InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed half-way must not leave workers polling a deleted file.
        using var stop = new CancellationTokenSource(Bound);
        foreach (var pool in _pools)
        {
            await pool.StopAsync(stop.Token);
            pool.Dispose();
        }

        await _queue.DisposeAsync();
        await _meters.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ExecuteAsync_QueuedTask_StoredWithExecutorsOutcome()
    {
        var executor = new ScriptedExecutor((_, output, _) =>
        {
            output.Append("3 tests failed\n");
            return Task.FromResult(new TaskOutcome(TaskState.Failed, 3, "3 tests failed\n", "the command exited with code 3"));
        });
        var task = await EnqueueAsync("backend");

        await StartPoolAsync(executor);
        var done = await WaitForStateAsync(task.Id, TaskState.Failed);

        Assert.Equal(3, done.ExitCode);
        Assert.Equal("3 tests failed\n", done.Output);
        Assert.Equal("the command exited with code 3", done.Error);
        Assert.Equal(Owner, done.Owner);
        Assert.NotNull(done.StartedAt);
        Assert.NotNull(done.FinishedAt);
        Assert.Equal([task.Id], executor.Calls);
        Assert.False(_lifetime.StopRequested);
    }

    [Fact]
    public async Task ExecuteAsync_TwoProjects_RunConcurrentlyButOneProjectNever()
    {
        var gates = new Dictionary<string, TaskCompletionSource>();
        var executor = new ScriptedExecutor((task, output, ct) => ScriptedExecutor.UntilReleased(gates[task.Project + task.Args[0]].Task, output, ct));
        var a1 = await EnqueueAsync("a", "1");
        var a2 = await EnqueueAsync("a", "2");
        var b1 = await EnqueueAsync("b", "1");
        foreach (var key in new[] { "a1", "a2", "b1" })
        {
            gates[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await StartPoolAsync(executor, workers: 2);

        // b1 overtakes a2: the second worker skips the project that is busy.
        await Task.WhenAll(executor.WhenStarted(a1.Id), executor.WhenStarted(b1.Id)).WaitAsync(Bound, Ct);
        gates["b1"].SetResult();
        await WaitForStateAsync(b1.Id, TaskState.Succeeded);

        // A worker is now free, yet a2 waits for a1 (it polls every second; give it more than one chance).
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Equal(TaskState.Queued, (await _queue.GetAsync(a2.Id, Ct))!.State);
        Assert.Equal(0, executor.CallCount(a2.Id));

        gates["a1"].SetResult();
        await executor.WhenStarted(a2.Id).WaitAsync(Bound, Ct);
        gates["a2"].SetResult();
        await WaitForStateAsync(a2.Id, TaskState.Succeeded);

        var calls = executor.Calls;
        Assert.Equal(3, calls.Count);
        Assert.Equal(a2.Id, calls[2]);
        Assert.Equal(1, executor.MaxConcurrentPerProject);
    }

    [Fact]
    public async Task ExecuteAsync_EngineUnavailableTwiceThenUp_SucceedsAfterBackoffOnTheClock()
    {
        var attempts = 0;
        var executor = new ScriptedExecutor((task, output, ct) => Interlocked.Increment(ref attempts) <= 2
            ? throw new ExecutorUnavailableException("Docker engine not reachable")
            : ScriptedExecutor.Succeed(task, output, ct));
        var task = await EnqueueAsync("backend");

        await StartPoolAsync(executor);
        var advanced = TimeSpan.Zero;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Bound);
            while (executor.CallCount(task.Id) < 3)
            {
                // The retry waits on the injected clock: nothing happens until it moves.
                await Task.Delay(20, deadline.Token);
                _time.Advance(TimeSpan.FromMilliseconds(250));
                advanced += TimeSpan.FromMilliseconds(250);
            }
        }

        var done = await WaitForStateAsync(task.Id, TaskState.Succeeded);
        Assert.Equal(3, executor.CallCount(task.Id));
        Assert.Equal("done\n", done.Output);
        Assert.True(advanced >= TimeSpan.FromSeconds(3), $"retried after {advanced} on the clock; back-off is 1 s then 2 s");
    }

    [Fact]
    public async Task StopAsync_WhileEngineUnavailable_TaskBackInQueueNotInterrupted()
    {
        var executor = new ScriptedExecutor((_, _, _) => throw new ExecutorUnavailableException("Docker engine not reachable"));
        var task = await EnqueueAsync("backend");
        var pool = await StartPoolAsync(executor, grace: 0);
        await executor.WhenStarted(task.Id).WaitAsync(Bound, Ct);

        await pool.StopAsync(Ct).WaitAsync(Bound, Ct);

        var stored = await _queue.GetAsync(task.Id, Ct);
        Assert.Equal(TaskState.Queued, stored!.State);
        Assert.Null(stored.Owner);
        Assert.Null(stored.StartedAt);
        Assert.Null(stored.FinishedAt);
        Assert.Equal(new QueueStats(1, 0), await _queue.GetStatsAsync(Ct));
    }

    [Fact]
    public async Task ExecuteAsync_ExecutorThrows_TaskFailedWithReasonAndNextTaskRuns()
    {
        var executor = new ScriptedExecutor((task, output, ct) => task.Args[0] == "boom"
            ? throw new InvalidOperationException("spec builder bug")
            : ScriptedExecutor.Succeed(task, output, ct));
        var broken = await EnqueueAsync("backend", "boom");
        var next = await EnqueueAsync("backend", "fine");

        await StartPoolAsync(executor, workers: 1);

        var failed = await WaitForStateAsync(broken.Id, TaskState.Failed);
        Assert.Equal("internal error while running the task: spec builder bug", failed.Error);
        Assert.Null(failed.ExitCode);
        await WaitForStateAsync(next.Id, TaskState.Succeeded);
        Assert.False(_lifetime.StopRequested);
    }

    [Fact]
    public async Task StopAsync_TaskIgnoresGrace_KilledAfterGraceAndInterrupted()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new ScriptedExecutor(async (_, output, ct) =>
        {
            var outcome = await ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct);
            cancelled.TrySetResult();
            return outcome;
        });
        var task = await EnqueueAsync("backend");
        var pool = await StartPoolAsync(executor, grace: 1);
        await executor.WhenStarted(task.Id).WaitAsync(Bound, Ct);

        var stopping = pool.StopAsync(Ct);
        await Task.Delay(200, Ct);
        Assert.False(stopping.IsCompleted);
        Assert.False(cancelled.Task.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));
        await stopping.WaitAsync(Bound, Ct);

        Assert.True(cancelled.Task.IsCompleted);
        var stored = await _queue.GetAsync(task.Id, Ct);
        Assert.Equal(TaskState.Interrupted, stored!.State);
        Assert.Contains("shut down", stored.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_TaskEndsWithinGrace_KeepsItsOwnOutcome()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(release.Task, output, ct));
        var task = await EnqueueAsync("backend");
        var pool = await StartPoolAsync(executor, grace: 30);
        await executor.WhenStarted(task.Id).WaitAsync(Bound, Ct);

        var stopping = pool.StopAsync(Ct);
        release.SetResult();
        await stopping.WaitAsync(Bound, Ct);

        var stored = await _queue.GetAsync(task.Id, Ct);
        Assert.Equal(TaskState.Succeeded, stored!.State);
        Assert.Equal("released\n", stored.Output);
    }

    [Fact]
    public async Task StopAsync_DuringGrace_IdleWorkerClaimsNothingNew()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        var busy = await EnqueueAsync("a");
        var pool = await StartPoolAsync(executor, workers: 2, grace: 30);
        await executor.WhenStarted(busy.Id).WaitAsync(Bound, Ct);

        var stopping = pool.StopAsync(Ct);
        var late = await EnqueueAsync("b");
        _signal.Notify();

        // The idle worker polls at least every second; a stopping pool must not start anything new.
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Equal(0, executor.CallCount(late.Id));

        _time.Advance(TimeSpan.FromSeconds(30));
        await stopping.WaitAsync(Bound, Ct);

        Assert.Equal(0, executor.CallCount(late.Id));
        Assert.Equal(TaskState.Queued, (await _queue.GetAsync(late.Id, Ct))!.State);
        Assert.Equal(TaskState.Interrupted, (await _queue.GetAsync(busy.Id, Ct))!.State);
    }

    [Fact]
    public async Task StartAsync_TaskLeftRunningByDeadRunner_InterruptedAndNeverExecuted()
    {
        var executor = new ScriptedExecutor();
        var orphan = await EnqueueAsync("a");
        Assert.Equal(orphan.Id, (await _queue.ClaimNextAsync("previous-life", Ct))!.Id);
        var waiting = await EnqueueAsync("b");

        await StartPoolAsync(executor);

        var stored = await _queue.GetAsync(orphan.Id, Ct);
        Assert.Equal(TaskState.Interrupted, stored!.State);
        Assert.Equal(SqliteTaskQueue.InterruptedError, stored.Error);
        await WaitForStateAsync(waiting.Id, TaskState.Succeeded);
        Assert.Equal([waiting.Id], executor.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_CancelBetweenClaimAndStart_TaskEndsCancelled()
    {
        var gated = new ClaimGateQueue(_queue);
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        var task = await EnqueueAsync("backend");
        await StartPoolAsync(executor, workers: 1, queue: gated);
        await gated.Claimed.WaitAsync(Bound, Ct);

        // What POST /api/tasks/{id}/cancel does: flag it in the store, stop it if this process runs it (not yet).
        Assert.True((await _queue.RequestCancelAsync(task.Id, Ct))!.CancelRequested);
        Assert.False(_running.TryGet(task.Id, out _));
        gated.Release();

        var ended = await WaitForStateAsync(task.Id, TaskState.Cancelled);
        Assert.True(ended.CancelRequested);
    }

    [Fact]
    public async Task ExecuteAsync_StoreFullOnClaimAndOnEnding_RetriesAndRecordsTheEndingWithoutStoppingTheRunner()
    {
        // Before: the first failed claim or completion stopped the host, and the task became "interrupted" at the
        // next start although it had succeeded (found by the reliability suite's disk-full part).
        var faulty = new FaultyStoreQueue(_queue, claimFailures: 2, completeFailures: 2);
        var task = await EnqueueAsync("backend");

        await StartPoolAsync(new ScriptedExecutor(), workers: 1, queue: faulty);
        var deadline = DateTime.UtcNow + Bound;
        while ((await _queue.GetAsync(task.Id, Ct))!.State != TaskState.Succeeded)
        {
            Assert.True(DateTime.UtcNow < deadline, "the ending was never recorded");
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, Ct);
        }

        Assert.Equal(2, faulty.ClaimsFailed);
        Assert.Equal(2, faulty.CompletionsFailed);
        Assert.False(_lifetime.StopRequested);
    }

    [Fact]
    public async Task ExecuteAsync_TaskTakenOverBetweenClaimAndStart_NeverExecutedHereAndOutcomeKept()
    {
        var gated = new ClaimGateQueue(_queue);
        var executor = new ScriptedExecutor();
        var task = await EnqueueAsync("backend");
        var next = await EnqueueAsync("other");
        await StartPoolAsync(executor, workers: 1, queue: gated);
        await gated.Claimed.WaitAsync(Bound, Ct);

        // What a sweep by another runner does once this runner's lease lapsed: the task is no longer this runner's.
        Assert.Single(await _queue.InterruptRunningAsync(Owner, Ct));
        gated.Release();

        await WaitForStateAsync(next.Id, TaskState.Succeeded);
        Assert.Equal([next.Id], executor.Calls);
        Assert.Equal(TaskState.Interrupted, (await _queue.GetAsync(task.Id, Ct))!.State);
    }

    private async Task<WorkerPool> StartPoolAsync(ITaskExecutor executor, int workers = 2, int grace = 0, ITaskQueue? queue = null)
    {
        var config = new AgentConfig
        {
            Webhook = new WebhookSection { Workers = workers, Runner = new RunnerSection { ShutdownGrace = grace } },
        };
        var meters = _meters.GetRequiredService<IMeterFactory>();
        var metrics = new RunnerMetrics(meters, config);
        var pool = new WorkerPool(
            queue ?? _queue, executor, new OutputStorage(null, null, metrics, _time, NullLogger<OutputStorage>.Instance), _signal, _running, metrics, new AuditLog(config, _time, meters), config,
            new RunnerInstance(new SandboxOptions { InstanceId = Owner }), _time, _lifetime, NullLogger<WorkerPool>.Instance);
        _pools.Add(pool);
        await pool.StartAsync(Ct).WaitAsync(Bound, Ct);
        return pool;
    }

    private async Task<TaskRecord> EnqueueAsync(string project, string text = "task")
    {
        var result = await _queue.EnqueueAsync(new NewTask
        {
            Platform = "api",
            Command = "run",
            Args = [text],
            Project = project,
            ProjectPath = "/srv/projects/" + project,
            Requester = "token:ci",
        }, Ct);
        _signal.Notify();
        return Assert.IsType<TaskRecord>(result.Task);
    }

    /// <summary>Polls the queue (the record of truth) until the task reaches <paramref name="state"/>, within <see cref="Bound"/>.</summary>
    private async Task<TaskRecord> WaitForStateAsync(string id, TaskState state)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Bound);
        TaskRecord? last = null;
        try
        {
            while (true)
            {
                last = await _queue.GetAsync(id, deadline.Token);
                if (last?.State == state)
                {
                    return last;
                }

                await Task.Delay(20, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Assert.Fail($"task {id} did not reach {state} within {Bound}; last seen {last?.State}");
            throw;
        }
    }
}
