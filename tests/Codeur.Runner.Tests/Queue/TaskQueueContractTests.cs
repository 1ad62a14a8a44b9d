using System.Collections.Concurrent;
using Codeur.Runner.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Queue;

/// <summary>
/// The behaviour every <see cref="ITaskQueue"/> backend owes the runner. A backend's test class derives from this
/// and supplies <see cref="CreateQueueAsync"/>; the SQLite and the Redis queue must both pass it unchanged.
/// </summary>
public abstract partial class TaskQueueContractTests
{
    private const int TestTimeout = 15_000;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// A queue over this test's store, on <see cref="Time"/>. Every call within one test returns a new instance
    /// over the same, initially empty, store: a second call stands for a runner restart.
    /// </summary>
    protected abstract Task<ITaskQueue> CreateQueueAsync(int capacity = 1000);

    /// <summary>
    /// Whether worktree runs of one project may run side by side (SQLite). The Redis queue keeps its one lock per
    /// project for every task, so they run one after the other there: slower, never less safe.
    /// </summary>
    protected virtual bool WorktreeRunsShareTheirProject => true;

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_NewTask_CreatedAndSurvivesReopening()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = NewTask("backend") with
        {
            Args = ["Add auth to API", "it's \"quoted\" $(rm -rf /) ; | & é 🚀", ""],
            Repository = "acme/backend",
            DedupeKey = "delivery-1",
            ReplyContext = """{"issue":42}""",
        };

        var result = await queue.EnqueueAsync(task, ct);

        Assert.Equal(EnqueueStatus.Created, result.Status);
        Assert.Equal(1, result.QueuePosition);
        var created = Assert.IsType<TaskRecord>(result.Task);
        Assert.False(string.IsNullOrWhiteSpace(created.Id));
        Assert.Equal(TaskState.Queued, created.State);
        Assert.Equal(Time.GetUtcNow(), created.CreatedAt);

        var reopened = await CreateQueueAsync();
        var stored = await reopened.GetAsync(created.Id, ct);
        Assert.NotNull(stored);
        Assert.Equal(created.Id, stored.Id);
        Assert.Equal(created.Sequence, stored.Sequence);
        Assert.Equal(task.Platform, stored.Platform);
        Assert.Equal(task.Command, stored.Command);
        Assert.Equal(task.Args, stored.Args);
        Assert.Equal(task.Project, stored.Project);
        Assert.Equal(task.ProjectPath, stored.ProjectPath);
        Assert.Equal(task.Requester, stored.Requester);
        Assert.Equal(task.Repository, stored.Repository);
        Assert.Equal(task.DedupeKey, stored.DedupeKey);
        Assert.Equal(task.ReplyContext, stored.ReplyContext);
        Assert.Equal(TaskState.Queued, stored.State);
        Assert.False(stored.CancelRequested);
        Assert.Equal(Time.GetUtcNow(), stored.CreatedAt);
        Assert.Null(stored.StartedAt);
        Assert.Null(stored.FinishedAt);
        Assert.Null(stored.Owner);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_ManyTasks_IdsUniqueAndSequenceIncreasing()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        var records = new List<TaskRecord>();
        for (var i = 0; i < 20; i++)
        {
            records.Add((await queue.EnqueueAsync(NewTask("p"), ct)).Task!);
        }

        Assert.Equal(20, records.Select(r => r.Id).Distinct().Count());
        Assert.Equal(records.Select(r => r.Sequence).Order(), records.Select(r => r.Sequence));
        Assert.Equal(20, records.Select(r => r.Sequence).Distinct().Count());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_RepeatedDedupeKey_ReturnsOriginalAndNoSecondTask()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var first = await queue.EnqueueAsync(NewTask("backend") with { DedupeKey = "gh-delivery-7" }, ct);

        var again = await queue.EnqueueAsync(NewTask("other", command: "analyze") with { DedupeKey = "gh-delivery-7" }, ct);

        Assert.Equal(EnqueueStatus.Duplicate, again.Status);
        Assert.Equal(first.Task!.Id, again.Task!.Id);
        Assert.Equal("backend", again.Task.Project);
        Assert.Equal("run", again.Task.Command);
        Assert.Equal(1, again.QueuePosition);
        Assert.Single(await queue.RecentAsync(10, ct));
        Assert.Equal(new QueueStats(1, 0), await queue.GetStatsAsync(ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_DedupeKeyOfFinishedTask_StillDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var first = await queue.EnqueueAsync(NewTask("backend") with { DedupeKey = "slack-Ev1" }, ct);
        await queue.ClaimNextAsync("runner-1", ct);
        await queue.CompleteAsync(first.Task!.Id, new TaskOutcome(TaskState.Succeeded, 0, "done", null), ct);

        var again = await queue.EnqueueAsync(NewTask("backend") with { DedupeKey = "slack-Ev1" }, ct);

        Assert.Equal(EnqueueStatus.Duplicate, again.Status);
        Assert.Equal(first.Task.Id, again.Task!.Id);
        Assert.Equal(TaskState.Succeeded, again.Task.State);
        Assert.Single(await queue.RecentAsync(10, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_ConcurrentSameDedupeKey_OneTaskCreated()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => queue.EnqueueAsync(NewTask("backend") with { DedupeKey = "discord-123" }, ct), ct)));

        Assert.Single(results, r => r.Status == EnqueueStatus.Created);
        Assert.Equal(7, results.Count(r => r.Status == EnqueueStatus.Duplicate));
        Assert.Single(results.Select(r => r.Task!.Id).Distinct());
        Assert.Single(await queue.RecentAsync(10, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_WithoutDedupeKey_EveryTaskCreated()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        var first = await queue.EnqueueAsync(NewTask("backend"), ct);
        var second = await queue.EnqueueAsync(NewTask("backend"), ct);

        Assert.Equal(EnqueueStatus.Created, first.Status);
        Assert.Equal(EnqueueStatus.Created, second.Status);
        Assert.NotEqual(first.Task!.Id, second.Task!.Id);
        Assert.Equal(2, second.QueuePosition);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_AtCapacity_ReturnsFullWithoutTask()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync(capacity: 2);
        await queue.EnqueueAsync(NewTask("a"), ct);
        await queue.EnqueueAsync(NewTask("b"), ct);
        await queue.ClaimNextAsync("runner-1", ct);

        var result = await queue.EnqueueAsync(NewTask("c") with { DedupeKey = "late" }, ct);

        Assert.Equal(EnqueueStatus.Full, result.Status);
        Assert.Null(result.Task);
        Assert.Equal(new QueueStats(1, 1), await queue.GetStatsAsync(ct));
        Assert.Equal(2, (await queue.RecentAsync(10, ct)).Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_FullButDuplicate_ReturnsDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync(capacity: 1);
        var first = await queue.EnqueueAsync(NewTask("a") with { DedupeKey = "k" }, ct);

        var again = await queue.EnqueueAsync(NewTask("a") with { DedupeKey = "k" }, ct);

        Assert.Equal(EnqueueStatus.Duplicate, again.Status);
        Assert.Equal(first.Task!.Id, again.Task!.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_AfterTaskFinishes_CapacityFreed()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync(capacity: 1);
        var first = await queue.EnqueueAsync(NewTask("a"), ct);
        Assert.Equal(EnqueueStatus.Full, (await queue.EnqueueAsync(NewTask("a"), ct)).Status);
        await queue.ClaimNextAsync("runner-1", ct);
        await queue.CompleteAsync(first.Task!.Id, new TaskOutcome(TaskState.Failed, 1, null, "exit 1"), ct);

        var result = await queue.EnqueueAsync(NewTask("a"), ct);

        Assert.Equal(EnqueueStatus.Created, result.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task EnqueueAsync_QueuePosition_CountsQueuedTasksAheadPlusOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(NewTask("a"), ct);
        await queue.EnqueueAsync(NewTask("b"), ct);
        await queue.EnqueueAsync(NewTask("c"), ct);
        await queue.ClaimNextAsync("runner-1", ct);

        var result = await queue.EnqueueAsync(NewTask("d"), ct);

        Assert.Equal(3, result.QueuePosition);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_EmptyQueue_ReturnsNull()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        Assert.Null(await queue.ClaimNextAsync("runner-1", ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_QueuedTask_MarksRunningWithOwnerAndStart()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var enqueued = (await queue.EnqueueAsync(NewTask("a"), ct)).Task!;
        Time.Advance(TimeSpan.FromSeconds(3));

        var claimed = await queue.ClaimNextAsync("runner-1", ct);

        Assert.NotNull(claimed);
        Assert.Equal(enqueued.Id, claimed.Id);
        Assert.Equal(TaskState.Running, claimed.State);
        Assert.Equal("runner-1", claimed.Owner);
        Assert.Equal(enqueued.CreatedAt.AddSeconds(3), claimed.StartedAt);
        var stored = await queue.GetAsync(enqueued.Id, ct);
        Assert.Equal(TaskState.Running, stored!.State);
        Assert.Equal("runner-1", stored.Owner);
        Assert.Equal(claimed.StartedAt, stored.StartedAt);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReleaseAsync_ClaimedTask_GoesBackAheadOfLaterTasksOfItsProject()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var first = (await queue.EnqueueAsync(NewTask("a"), ct)).Task!;
        var second = (await queue.EnqueueAsync(NewTask("a"), ct)).Task!;
        Assert.Equal(first.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);

        Assert.True(await queue.ReleaseAsync(first.Id, ct));

        var released = await queue.GetAsync(first.Id, ct);
        Assert.Equal(TaskState.Queued, released!.State);
        Assert.Null(released.StartedAt);
        Assert.Null(released.Owner);
        Assert.Equal(first.Id, (await queue.ClaimNextAsync("runner-2", ct))!.Id);
        Assert.False(await queue.ReleaseAsync(second.Id, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_DifferentProjects_ClaimsInEnqueueOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var ids = new List<string>();
        foreach (var project in new[] { "c", "a", "d", "b" })
        {
            ids.Add((await queue.EnqueueAsync(NewTask(project), ct)).Task!.Id);
        }

        var claimed = new List<string>();
        while (await queue.ClaimNextAsync("runner-1", ct) is { } task)
        {
            claimed.Add(task.Id);
        }

        Assert.Equal(ids, claimed);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_ProjectAlreadyRunning_TakesOtherProjectThenWaitsForCompletion()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var a1 = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        var a2 = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        var b = (await queue.EnqueueAsync(NewTask("B"), ct)).Task!;

        Assert.Equal(a1.Id, (await queue.ClaimNextAsync("w1", ct))?.Id);
        Assert.Equal(b.Id, (await queue.ClaimNextAsync("w2", ct))?.Id);
        Assert.Null(await queue.ClaimNextAsync("w3", ct));
        Assert.True(await queue.CompleteAsync(b.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
        Assert.Null(await queue.ClaimNextAsync("w3", ct));
        Assert.True(await queue.CompleteAsync(a1.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));

        Assert.Equal(a2.Id, (await queue.ClaimNextAsync("w3", ct))?.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_CancelledQueuedTask_NeverClaimed()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var first = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        var second = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.RequestCancelAsync(first.Id, ct);

        Assert.Equal(second.Id, (await queue.ClaimNextAsync("w1", ct))?.Id);
        Assert.Null(await queue.ClaimNextAsync("w1", ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_EightConcurrentWorkers_EachTaskOnceAndOneRunningPerProject()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        const int Projects = 5;
        const int PerProject = 8;
        var enqueued = new List<TaskRecord>();
        for (var i = 0; i < Projects * PerProject; i++)
        {
            enqueued.Add((await queue.EnqueueAsync(NewTask($"p{i % Projects}"), ct)).Task!);
        }

        var claims = new ConcurrentBag<TaskRecord>();
        var runningProjects = new ConcurrentDictionary<string, string>();
        var violations = new ConcurrentBag<string>();
        var remaining = enqueued.Count;

        async Task Worker(string owner)
        {
            while (Volatile.Read(ref remaining) > 0)
            {
                var task = await queue.ClaimNextAsync(owner, ct);
                if (task is null)
                {
                    await Task.Yield();
                    continue;
                }

                claims.Add(task);
                if (!runningProjects.TryAdd(task.Project, task.Id))
                {
                    violations.Add($"{task.Id} claimed while {task.Project} ran {runningProjects[task.Project]}");
                }

                await Task.Yield();

                // Leave the project before completing: from then on the store alone decides who may run it.
                runningProjects.TryRemove(task.Project, out _);
                Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
                Interlocked.Decrement(ref remaining);
            }
        }

        await Task.WhenAll(Enumerable.Range(1, 8).Select(n => Task.Run(() => Worker($"w{n}"), ct)));

        Assert.Empty(violations);
        Assert.Equal(enqueued.Count, claims.Count);
        Assert.Equal(enqueued.Select(t => t.Id).Order(), claims.Select(t => t.Id).Order());
        foreach (var project in claims.GroupBy(t => t.Project))
        {
            // Within a project, tasks start in the order they were enqueued.
            var started = project.OrderBy(t => t.StartedAt).ThenBy(t => t.Sequence).Select(t => t.Sequence).ToList();
            Assert.Equal(started.Order(), started);
        }

        Assert.Equal(new QueueStats(0, 0), await queue.GetStatsAsync(ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginAsync_ClaimedTask_ReturnsCurrentRecordWithCancelFlag()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.RequestCancelAsync(task.Id, ct);

        var begun = await queue.BeginAsync(task.Id, ct);

        Assert.NotNull(begun);
        Assert.Equal(TaskState.Running, begun.State);
        Assert.True(begun.CancelRequested);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginAsync_TaskNotRunning_ReturnsNull()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var queued = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        var done = (await queue.EnqueueAsync(NewTask("B"), ct)).Task!;
        await queue.RequestCancelAsync(queued.Id, ct);
        await queue.ClaimNextAsync("w1", ct);
        await queue.CompleteAsync(done.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);

        Assert.Null(await queue.BeginAsync(queued.Id, ct));
        Assert.Null(await queue.BeginAsync(done.Id, ct));
        Assert.Null(await queue.BeginAsync("no-such-task", ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetContainerAsync_RunningTask_RecordsContainer()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);

        await queue.SetContainerAsync(task.Id, "c0ffee", ct);

        Assert.Equal("c0ffee", (await queue.GetAsync(task.Id, ct))!.ContainerId);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CompleteAsync_RunningTask_StoresOutcomeAndFinishTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        Time.Advance(TimeSpan.FromSeconds(1));
        await queue.ClaimNextAsync("w1", ct);
        Time.Advance(TimeSpan.FromSeconds(42));

        var completed = await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.TimedOut, 137, "partial output", "timed out after 300 s"), ct);

        Assert.True(completed);
        var stored = (await queue.GetAsync(task.Id, ct))!;
        Assert.Equal(TaskState.TimedOut, stored.State);
        Assert.Equal(137, stored.ExitCode);
        Assert.Equal("partial output", stored.Output);
        Assert.Equal("timed out after 300 s", stored.Error);
        Assert.Equal(task.CreatedAt.AddSeconds(1), stored.StartedAt);
        Assert.Equal(task.CreatedAt.AddSeconds(43), stored.FinishedAt);
        Assert.Equal(new QueueStats(0, 0), await queue.GetStatsAsync(ct));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(TaskState.Succeeded)]
    [InlineData(TaskState.Failed)]
    [InlineData(TaskState.TimedOut)]
    [InlineData(TaskState.OomKilled)]
    [InlineData(TaskState.OutputLimit)]
    [InlineData(TaskState.Cancelled)]
    [InlineData(TaskState.Interrupted)]
    [InlineData(TaskState.Rejected)]
    public async Task CompleteAsync_EachFinalState_RoundTrips(TaskState state)
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);

        Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(state, null, null, null), ct));

        var stored = (await queue.GetAsync(task.Id, ct))!;
        Assert.Equal(state, stored.State);
        Assert.Null(stored.ExitCode);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CompleteAsync_QueuedTask_ReturnsFalseAndLeavesItQueued()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;

        Assert.False(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));

        var stored = (await queue.GetAsync(task.Id, ct))!;
        Assert.Equal(TaskState.Queued, stored.State);
        Assert.Null(stored.FinishedAt);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CompleteAsync_FinishedTask_ReturnsFalseAndKeepsFirstOutcome()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, "first", null), ct);

        Assert.False(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Failed, 1, "second", "boom"), ct));

        var stored = (await queue.GetAsync(task.Id, ct))!;
        Assert.Equal(TaskState.Succeeded, stored.State);
        Assert.Equal("first", stored.Output);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CompleteAsync_UnknownTask_ReturnsFalse()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        Assert.False(await queue.CompleteAsync("no-such-task", new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(TaskState.Queued)]
    [InlineData(TaskState.Running)]
    public async Task CompleteAsync_NonFinalState_Throws(TaskState state)
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);

        await Assert.ThrowsAsync<ArgumentException>(() => queue.CompleteAsync(task.Id, new TaskOutcome(state, null, null, null), ct));

        Assert.Equal(TaskState.Running, (await queue.GetAsync(task.Id, ct))!.State);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RequestCancelAsync_QueuedTask_CancelledAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        Time.Advance(TimeSpan.FromSeconds(5));

        var cancelled = await queue.RequestCancelAsync(task.Id, ct);

        Assert.NotNull(cancelled);
        Assert.Equal(TaskState.Cancelled, cancelled.State);
        Assert.Equal(task.CreatedAt.AddSeconds(5), cancelled.FinishedAt);
        Assert.Null(cancelled.StartedAt);
        Assert.Equal(TaskState.Cancelled, (await queue.GetAsync(task.Id, ct))!.State);
        Assert.Equal(new QueueStats(0, 0), await queue.GetStatsAsync(ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RequestCancelAsync_RunningTask_FlagsItAndKeepsItRunning()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);

        var flagged = await queue.RequestCancelAsync(task.Id, ct);

        Assert.NotNull(flagged);
        Assert.Equal(TaskState.Running, flagged.State);
        Assert.True(flagged.CancelRequested);
        Assert.Null(flagged.FinishedAt);
        Assert.True((await queue.GetAsync(task.Id, ct))!.CancelRequested);
        Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Cancelled, 137, null, "cancelled by request"), ct));
        Assert.Equal(TaskState.Cancelled, (await queue.GetAsync(task.Id, ct))!.State);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RequestCancelAsync_FinishedTask_ReturnsItUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, "ok", null), ct);
        var before = await queue.GetAsync(task.Id, ct);
        Time.Advance(TimeSpan.FromMinutes(1));

        var after = await queue.RequestCancelAsync(task.Id, ct);

        Assert.Equivalent(before, after, strict: true);
        Assert.Equivalent(before, await queue.GetAsync(task.Id, ct), strict: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RequestCancelAsync_UnknownTask_ReturnsNull()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        Assert.Null(await queue.RequestCancelAsync("no-such-task", ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task InterruptRunningAsync_AfterRestart_InterruptsRunningAndKeepsQueued()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await CreateQueueAsync();
        var running = (await before.EnqueueAsync(NewTask("A"), ct)).Task!;
        var waiting = (await before.EnqueueAsync(NewTask("A"), ct)).Task!;
        var other = (await before.EnqueueAsync(NewTask("B"), ct)).Task!;
        await before.ClaimNextAsync("runner-1", ct);
        await before.SetContainerAsync(running.Id, "container-a1", ct);
        Time.Advance(TimeSpan.FromSeconds(30));

        var after = await CreateQueueAsync();
        var interrupted = await after.InterruptRunningAsync(null, ct);

        var record = Assert.Single(interrupted);
        Assert.Equal(running.Id, record.Id);
        Assert.Equal(TaskState.Interrupted, record.State);
        Assert.Equal("container-a1", record.ContainerId);
        Assert.Equal("runner-1", record.Owner);
        Assert.Equal(Time.GetUtcNow(), record.FinishedAt);
        Assert.Contains("not re-run", record.Error, StringComparison.Ordinal);
        Assert.Equal(TaskState.Interrupted, (await after.GetAsync(running.Id, ct))!.State);
        Assert.Equal(new QueueStats(2, 0), await after.GetStatsAsync(ct));
        Assert.Equal(waiting.Id, (await after.ClaimNextAsync("runner-2", ct))?.Id);
        Assert.Equal(other.Id, (await after.ClaimNextAsync("runner-2", ct))?.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task InterruptRunningAsync_WithOwner_LeavesOtherOwnersRunning()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var mine = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        var theirs = (await queue.EnqueueAsync(NewTask("B"), ct)).Task!;
        await queue.ClaimNextAsync("runner-1", ct);
        await queue.ClaimNextAsync("runner-2", ct);

        var interrupted = await queue.InterruptRunningAsync("runner-1", ct);

        Assert.Equal(mine.Id, Assert.Single(interrupted).Id);
        Assert.Equal(TaskState.Running, (await queue.GetAsync(theirs.Id, ct))!.State);
        Assert.Empty(await queue.InterruptRunningAsync("runner-1", ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task InterruptRunningAsync_NothingRunning_ReturnsEmpty()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(NewTask("A"), ct);

        Assert.Empty(await queue.InterruptRunningAsync(null, ct));
        Assert.Equal(new QueueStats(1, 0), await queue.GetStatsAsync(ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GetAsync_UnknownTask_ReturnsNull()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();

        Assert.Null(await queue.GetAsync("no-such-task", ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RecentAsync_SeveralTasks_NewestFirstAndLimited()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await queue.EnqueueAsync(NewTask($"p{i}"), ct)).Task!.Id);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        await queue.ClaimNextAsync("w1", ct);

        var recent = await queue.RecentAsync(3, ct);

        Assert.Equal([ids[4], ids[3], ids[2]], recent.Select(t => t.Id));
        Assert.Empty(await queue.RecentAsync(0, ct));
        Assert.Equal(5, (await queue.RecentAsync(50, ct)).Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GetStatsAsync_MixedStates_CountsQueuedAndRunningOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        Assert.Equal(new QueueStats(0, 0), await queue.GetStatsAsync(ct));
        var done = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        await queue.EnqueueAsync(NewTask("B"), ct);
        await queue.EnqueueAsync(NewTask("C"), ct);
        await queue.EnqueueAsync(NewTask("C"), ct);
        var cancelled = (await queue.EnqueueAsync(NewTask("D"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.ClaimNextAsync("w1", ct);
        await queue.ClaimNextAsync("w1", ct);
        await queue.CompleteAsync(done.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);
        await queue.RequestCancelAsync(cancelled.Id, ct);

        var stats = await queue.GetStatsAsync(ct);

        Assert.Equal(new QueueStats(Queued: 1, Running: 2), stats);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_WorktreeRuns_ShareTheirProjectButNothingElseDoesAndOrderHolds()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var first = (await queue.EnqueueAsync(NewTask("p") with { Worktree = true }, ct)).Task!;
        var second = (await queue.EnqueueAsync(NewTask("p") with { Worktree = true }, ct)).Task!;
        var analyze = (await queue.EnqueueAsync(NewTask("p", "analyze"), ct)).Task!;
        var third = (await queue.EnqueueAsync(NewTask("p") with { Worktree = true }, ct)).Task!;
        Assert.True(first.Worktree);

        // Both worktree runs start together (where the backend allows it, else one after the other); the analyze
        // waits for them, and the run queued after it waits its turn.
        Assert.Equal(first.Id, (await queue.ClaimNextAsync("w1", ct))?.Id);
        if (!WorktreeRunsShareTheirProject)
        {
            Assert.Null(await queue.ClaimNextAsync("w2", ct));
            await queue.CompleteAsync(first.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);
        }

        var claimed = await queue.ClaimNextAsync("w2", ct);
        Assert.Equal(second.Id, claimed?.Id);
        Assert.True(claimed!.Worktree);
        Assert.Null(await queue.ClaimNextAsync("w3", ct));

        if (WorktreeRunsShareTheirProject)
        {
            await queue.CompleteAsync(first.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);
            Assert.Null(await queue.ClaimNextAsync("w3", ct));
        }

        await queue.CompleteAsync(second.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);
        Assert.Equal(analyze.Id, (await queue.ClaimNextAsync("w3", ct))?.Id);
        Assert.Null(await queue.ClaimNextAsync("w4", ct));
        await queue.CompleteAsync(analyze.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);
        Assert.Equal(third.Id, (await queue.ClaimNextAsync("w4", ct))?.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClaimNextAsync_RunInPlaceRunning_WorktreeRunOfItsProjectWaits()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var inPlace = (await queue.EnqueueAsync(NewTask("p"), ct)).Task!;
        var worktree = (await queue.EnqueueAsync(NewTask("p") with { Worktree = true }, ct)).Task!;

        Assert.Equal(inPlace.Id, (await queue.ClaimNextAsync("w1", ct))?.Id);
        Assert.Null(await queue.ClaimNextAsync("w2", ct));
        await queue.CompleteAsync(inPlace.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct);
        Assert.Equal(worktree.Id, (await queue.ClaimNextAsync("w2", ct))?.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CompleteAsync_WithGitResult_StoredAndReadBackWhole()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("p"), ct)).Task!;
        var other = (await queue.EnqueueAsync(NewTask("q", "analyze"), ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.ClaimNextAsync("w1", ct);
        var git = new TaskGitResult(
            "codeur/" + task.Id, new string('a', 40), new string('c', 40),
            [new TaskGitCommit(new string('b', 40), "agent: add auth"), new TaskGitCommit(new string('c', 40), "codeur: leftover changes of task x")],
            FilesChanged: 3, Insertions: 10, Deletions: 2, Diffstat: " src/a.cs | 10 ++++++++--\n 3 files changed");

        Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, "done", null) { Git = git }, ct));
        Assert.True(await queue.CompleteAsync(other.Id, new TaskOutcome(TaskState.Succeeded, 0, "done", null), ct));

        var stored = (await (await CreateQueueAsync()).GetAsync(task.Id, ct))!.Git;
        Assert.NotNull(stored);
        Assert.Equal(git.Branch, stored.Branch);
        Assert.Equal(git.BaseCommit, stored.BaseCommit);
        Assert.Equal(git.HeadCommit, stored.HeadCommit);
        Assert.Equal(git.Commits, stored.Commits);
        Assert.Equal((3, 10, 2), (stored.FilesChanged, stored.Insertions, stored.Deletions));
        Assert.Equal(git.Diffstat, stored.Diffstat);
        Assert.Null((await queue.GetAsync(other.Id, ct))!.Git);
    }

    protected static NewTask NewTask(string project, string command = "run") => new()
    {
        Platform = "api",
        Command = command,
        Args = ["do something"],
        Project = project,
        ProjectPath = $"/srv/projects/{project}",
        Requester = "alice",
    };
}
