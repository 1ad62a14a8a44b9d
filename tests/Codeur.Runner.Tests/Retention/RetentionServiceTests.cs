using System.Diagnostics.Metrics;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Retention;

/// <summary>The pruner on its own clock: a pass at start, then one per interval, metered; nothing sleeps.</summary>
public sealed class RetentionServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-retention-service-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;
    private SqliteTaskQueue _queue = null!;

    public async ValueTask InitializeAsync()
    {
        _queue = new SqliteTaskQueue(new QueueSection { Path = Path.Combine(_directory, "codeur.db") }, _time, NullLogger<SqliteTaskQueue>.Instance);
        await _queue.InitializeAsync(TestContext.Current.CancellationToken);
        _services = new ServiceCollection()
            .AddMetrics()
            .AddSingleton<IReplyOutbox>(new SqliteReplyOutbox(_queue, _time))
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _queue.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 30_000)]
    public async Task Service_IntervalElapsesPastTheTaskPeriod_EndedTaskPrunedAndMetered()
    {
        var config = new AgentConfig
        {
            Webhook = new WebhookSection { Queue = new QueueSection { Retention = new RetentionSection { Tasks = "1d", Interval = "1h" } } },
        };
        var meters = _services.GetRequiredService<IMeterFactory>();
        using var pruned = new MetricCollector<long>(meters, RunnerMetrics.MeterName, "retention_pruned");
        var service = new RetentionService(_queue, _services, new RunnerMetrics(meters, config), config, _time, NullLogger<RetentionService>.Instance);
        var ended = (await _queue.EnqueueAsync(NewTask("A"), TestContext.Current.CancellationToken)).Task!;
        Assert.Equal(ended.Id, (await _queue.ClaimNextAsync("runner", TestContext.Current.CancellationToken))!.Id);
        Assert.True(await _queue.CompleteAsync(ended.Id, new TaskOutcome(TaskState.Succeeded, 0, "out", null), TestContext.Current.CancellationToken));
        var waiting = (await _queue.EnqueueAsync(NewTask("B"), TestContext.Current.CancellationToken)).Task!;

        // The pass at start finds nothing old enough.
        await service.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            _time.Advance(TimeSpan.FromHours(23));
            Assert.NotNull(await _queue.GetAsync(ended.Id, TestContext.Current.CancellationToken));

            // Past a day, the next tick prunes it.
            _time.Advance(TimeSpan.FromHours(2));
            var deadline = DateTime.UtcNow + Bound;
            while (await _queue.GetAsync(ended.Id, TestContext.Current.CancellationToken) is not null)
            {
                Assert.True(DateTime.UtcNow < deadline, "the ended task was still there after the interval passed");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.Equal(TaskState.Queued, (await _queue.GetAsync(waiting.Id, TestContext.Current.CancellationToken))!.State);
            await pruned.WaitForMeasurementsAsync(1, Bound);
            var measurement = Assert.Single(pruned.GetMeasurementSnapshot(), m => m.Tags["kind"] is "tasks");
            Assert.Equal(1, measurement.Value);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task PruneOnceAsync_AllPeriodsZero_KeepsEverything()
    {
        var config = new AgentConfig
        {
            Webhook = new WebhookSection { Queue = new QueueSection { Retention = new RetentionSection { Tasks = "0", Outputs = "0", DedupeKeys = "off", Replies = "never" } } },
        };
        var service = new RetentionService(_queue, _services, new RunnerMetrics(_services.GetRequiredService<IMeterFactory>(), config), config, _time, NullLogger<RetentionService>.Instance);
        var ended = (await _queue.EnqueueAsync(NewTask("A") with { DedupeKey = "k" }, TestContext.Current.CancellationToken)).Task!;
        Assert.Equal(ended.Id, (await _queue.ClaimNextAsync("runner", TestContext.Current.CancellationToken))!.Id);
        Assert.True(await _queue.CompleteAsync(ended.Id, new TaskOutcome(TaskState.Succeeded, 0, "out", null), TestContext.Current.CancellationToken));
        _time.Advance(TimeSpan.FromDays(3650));

        var pass = await service.PruneOnceAsync(TestContext.Current.CancellationToken);

        Assert.False(pass.Counts.Any);
        Assert.Equal(0, pass.Replies);
        var kept = (await _queue.GetAsync(ended.Id, TestContext.Current.CancellationToken))!;
        Assert.Equal("out", kept.Output);
        Assert.Equal("k", kept.DedupeKey);
    }

    private static NewTask NewTask(string project) => new()
    {
        Platform = "api",
        Command = "analyze",
        Project = project,
        ProjectPath = $"/srv/projects/{project}",
        Requester = "alice",
    };
}
