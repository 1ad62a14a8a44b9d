using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Codeur.Runner.Tests.Queue;

/// <summary>
/// The shared contract on a real redis-server (one per class, each test under its own key prefix), plus what only
/// the shared backend promises: leases, fencing, and the sweep of a dead runner's tasks.
/// </summary>
public sealed class RedisTaskQueueTests(RedisServer redis) : TaskQueueContractTests, IClassFixture<RedisServer>, IAsyncDisposable
{
    private readonly string _prefix = "{test-" + Guid.NewGuid().ToString("N")[..12] + "}";
    private readonly List<RedisTaskQueue> _queues = [];

    protected override bool WorktreeRunsShareTheirProject => false;

    protected override async Task<ITaskQueue> CreateQueueAsync(int capacity = 1000) => await CreateRedisQueueAsync(capacity);

    [Fact(Timeout = 30_000)]
    public async Task ReclaimAsync_HolderStoppedRenewing_StartedTaskInterruptedAndUnstartedTaskBackInLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var dead = await CreateRedisQueueAsync(lease: 4);
        var survivor = await CreateRedisQueueAsync(lease: 4);
        var started = (await dead.EnqueueAsync(NewTask("A"), ct)).Task!;
        var unstarted = (await dead.EnqueueAsync(NewTask("B"), ct)).Task!;
        var behindStarted = (await dead.EnqueueAsync(NewTask("A"), ct)).Task!;
        Assert.Equal(started.Id, (await dead.ClaimNextAsync("runner-dead", ct))!.Id);
        Assert.Equal(unstarted.Id, (await dead.ClaimNextAsync("runner-dead", ct))!.Id);
        Assert.NotNull(await dead.BeginAsync(started.Id, ct));

        // Within the lease nothing is taken over, and the claimed projects stay locked.
        Assert.Empty((await survivor.ReclaimAsync("runner-live", ct)).Interrupted);
        Assert.Null(await survivor.ClaimNextAsync("runner-live", ct));

        await Task.Delay(TimeSpan.FromSeconds(4.5), ct);
        var swept = await survivor.ReclaimAsync("runner-live", ct);

        Assert.Equal([started.Id], swept.Interrupted);
        Assert.Equal([unstarted.Id], swept.Released);
        var interrupted = (await survivor.GetAsync(started.Id, ct))!;
        Assert.Equal(TaskState.Interrupted, interrupted.State);
        Assert.Contains("not re-run", interrupted.Error, StringComparison.Ordinal);
        Assert.Equal(TaskState.Queued, (await survivor.GetAsync(unstarted.Id, ct))!.State);
        Assert.Equal(new[] { started.Id, unstarted.Id }.Order(), (await dead.RenewAsync("runner-dead", ct)).Lost.Order());

        // The unstarted task runs elsewhere. The interrupted task's project stays taken while its container may
        // still run: until the sweeper reports it killed (or its deadline passes).
        var first = (await survivor.ClaimNextAsync("runner-live", ct))!;
        Assert.Equal(unstarted.Id, first.Id);
        Assert.Equal("runner-live", first.Owner);
        Assert.Null(await survivor.ClaimNextAsync("runner-live", ct));
        Assert.True(await survivor.UnfenceAsync(started.Id, ct));
        Assert.Equal(behindStarted.Id, (await survivor.ClaimNextAsync("runner-live", ct))?.Id);

        // Fencing: the dead runner, should it come back, can neither start nor complete what it lost.
        Assert.Null(await dead.BeginAsync(unstarted.Id, ct));
        Assert.False(await dead.ReleaseAsync(unstarted.Id, ct));
        Assert.False(await dead.CompleteAsync(started.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
        Assert.False(await dead.CompleteAsync(unstarted.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
        Assert.Equal(TaskState.Running, (await survivor.GetAsync(unstarted.Id, ct))!.State);
        Assert.True(await survivor.CompleteAsync(unstarted.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
    }

    [Fact(Timeout = 30_000)]
    public async Task ReclaimAsync_StartedTaskNeverUnfenced_ProjectFreedAfterItsDeadline()
    {
        var ct = TestContext.Current.CancellationToken;
        var dead = await CreateRedisQueueAsync(lease: 4, timeout: 60);
        var survivor = await CreateRedisQueueAsync(lease: 4, timeout: 60);
        var started = (await dead.EnqueueAsync(NewTask("A"), ct)).Task!;
        var next = (await dead.EnqueueAsync(NewTask("A"), ct)).Task!;
        await dead.ClaimNextAsync("runner-dead", ct);
        await dead.BeginAsync(started.Id, ct);
        await Task.Delay(TimeSpan.FromSeconds(4.5), ct);

        Assert.Equal([started.Id], (await survivor.ReclaimAsync("runner-live", ct)).Interrupted);
        Time.Advance(TimeSpan.FromSeconds(55));
        await survivor.ReclaimAsync("runner-live", ct);
        Assert.Null(await survivor.ClaimNextAsync("runner-live", ct));

        // Deadline (60 s) plus a lease of slack after its claim: its container cannot be running any more.
        Time.Advance(TimeSpan.FromSeconds(10));
        await survivor.ReclaimAsync("runner-live", ct);
        Assert.Equal(next.Id, (await survivor.ClaimNextAsync("runner-live", ct))?.Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task RenewAsync_WithinLease_KeepsHoldsPastTheLease()
    {
        var ct = TestContext.Current.CancellationToken;
        var holder = await CreateRedisQueueAsync(lease: 4);
        var sweeper = await CreateRedisQueueAsync(lease: 4);
        var task = (await holder.EnqueueAsync(NewTask("A"), ct)).Task!;
        await holder.ClaimNextAsync("runner-1", ct);
        await holder.BeginAsync(task.Id, ct);

        // Renewing every 0.5 s for 6 s outlives the 4 s lease with room for a loaded machine's hiccups.
        for (var i = 0; i < 12; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var renewed = await holder.RenewAsync("runner-1", ct);
            Assert.Empty(renewed.Lost);
            Assert.Empty(renewed.CancelRequested);
            var swept = await sweeper.ReclaimAsync("runner-2", ct);
            Assert.Empty(swept.Interrupted);
            Assert.Empty(swept.Released);
        }

        Assert.Equal(TaskState.Running, (await sweeper.GetAsync(task.Id, ct))!.State);
        Assert.True(await holder.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
    }

    [Fact(Timeout = 30_000)]
    public async Task RenewAsync_CancelRequestedThroughAnotherRunner_ReportedToTheHolder()
    {
        var ct = TestContext.Current.CancellationToken;
        var holder = await CreateRedisQueueAsync();
        var other = await CreateRedisQueueAsync();
        var task = (await holder.EnqueueAsync(NewTask("A"), ct)).Task!;
        var quiet = (await holder.EnqueueAsync(NewTask("B"), ct)).Task!;
        await holder.ClaimNextAsync("runner-1", ct);
        await holder.ClaimNextAsync("runner-1", ct);

        Assert.True((await other.RequestCancelAsync(task.Id, ct))!.CancelRequested);

        var renewed = await holder.RenewAsync("runner-1", ct);
        Assert.Empty(renewed.Lost);
        Assert.Equal([task.Id], renewed.CancelRequested);
        Assert.DoesNotContain(quiet.Id, renewed.CancelRequested);
    }

    [Fact(Timeout = 30_000)]
    public async Task ClaimNextAsync_TwoRunnersEightWorkers_EachTaskOnceAndOneRunningPerProject()
    {
        var ct = TestContext.Current.CancellationToken;
        var runners = new[] { await CreateRedisQueueAsync(), await CreateRedisQueueAsync() };
        var ids = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            ids.Add((await runners[i % 2].EnqueueAsync(NewTask($"p{i % 4}"), ct)).Task!.Id);
        }

        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var busy = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var violations = 0;
        async Task Worker(RedisTaskQueue queue, string owner)
        {
            while (claimed.Count < ids.Count)
            {
                if (await queue.ClaimNextAsync(owner, ct) is not { } task)
                {
                    await Task.Delay(1, ct);
                    continue;
                }

                claimed.Add(task.Id);
                if (!busy.TryAdd(task.Project, task.Id))
                {
                    Interlocked.Increment(ref violations);
                }

                Assert.NotNull(await queue.BeginAsync(task.Id, ct));
                await Task.Delay(2, ct);
                busy.TryRemove(task.Project, out _);
                Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null), ct));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Worker(runners[i % 2], $"runner-{i % 2}"), ct)));

        Assert.Equal(0, violations);
        Assert.Equal(ids.Order(), claimed.Order());
        Assert.Equal(new QueueStats(0, 0), await runners[0].GetStatsAsync(ct));
    }

    [Fact(Timeout = 30_000)]
    public async Task QueueHealthCheck_RedisStops_ReportsUnhealthy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var own = new RedisServer();
        await own.InitializeAsync();
        own.RequireAvailable();
        var queue = new RedisTaskQueue(new QueueSection { Backend = "redis", Connection = own.Connection }, Time, NullLogger<RedisTaskQueue>.Instance, _prefix);
        _queues.Add(queue);
        await queue.InitializeAsync(ct);
        var check = new QueueHealthCheck(queue);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("queue", check, HealthStatus.Unhealthy, null) };
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, ct)).Status);

        await own.KillAsync();

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(context, ct)).Status);
    }

    [Fact]
    public void AddTaskQueue_RedisBackend_RegistersSharedLeasedQueue()
    {
        var config = new AgentConfig();
        config.Webhook.Queue.Backend = "redis";
        config.Webhook.Queue.Connection = redis.Connection;
        var services = new ServiceCollection().AddLogging().AddTaskQueue(config);
        using var provider = services.BuildServiceProvider();

        var queue = provider.GetRequiredService<ITaskQueue>();

        Assert.IsType<RedisTaskQueue>(queue);
        Assert.True(queue.IsShared);
        Assert.Same(queue, provider.GetRequiredService<ILeasedTaskQueue>());
        Assert.Contains(provider.GetServices<IHostedService>(), service => service is RedisQueueInitializer);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }
    }

    private async Task<RedisTaskQueue> CreateRedisQueueAsync(int capacity = 1000, int lease = 30, int timeout = 300)
    {
        redis.RequireAvailable();
        var queue = new RedisTaskQueue(
            new QueueSection { Backend = "redis", Connection = redis.Connection, Capacity = capacity, Lease = lease },
            Time,
            NullLogger<RedisTaskQueue>.Instance,
            _prefix,
            timeout);
        _queues.Add(queue);
        await queue.InitializeAsync(TestContext.Current.CancellationToken);
        return queue;
    }
}
