using System.Diagnostics.Metrics;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Retention;
using Codeur.Runner.Storage;
using Codeur.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Storage;

/// <summary>Retention deletes the objects of the outputs it prunes, on a real S3 server and the SQLite store, on a fake clock.</summary>
public sealed class OutputRetentionTests(S3Server s3) : IClassFixture<S3Server>, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-output-retention-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));
    private SqliteTaskQueue _queue = null!;

    public async ValueTask InitializeAsync()
    {
        _queue = new SqliteTaskQueue(new QueueSection { Path = Path.Combine(_directory, "codeur.db") }, _time, NullLogger<SqliteTaskQueue>.Instance);
        await _queue.InitializeAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task PruneOnceAsync_OutputsDue_DeletesTheirObjectsAndKeepsNewerOnes()
    {
        s3.RequireAvailable();
        var options = S3TestKit.Options(s3);
        await using var services = Services(options);
        var service = Retention(services, outputs: "7d");
        var old = await EndWithLargeOutputAsync(services, "A");
        _time.Advance(TimeSpan.FromDays(6));
        var recent = await EndWithLargeOutputAsync(services, "B");
        using var client = s3.CreateClient();
        Assert.True(await S3TestKit.ExistsAsync(client, old.OutputObject!.Key, TestContext.Current.CancellationToken));

        // A day and the deletion slack past the old one's output period; the recent one has six days left.
        _time.Advance(TimeSpan.FromDays(1) + OutputStorage.DeletionSlack + TimeSpan.FromMinutes(1));
        var pass = await service.PruneOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, pass.Counts.Outputs);
        Assert.Equal(1, pass.OutputObjects);
        Assert.False(await S3TestKit.ExistsAsync(client, old.OutputObject.Key, TestContext.Current.CancellationToken));
        Assert.Null((await _queue.GetAsync(old.Id, TestContext.Current.CancellationToken))!.OutputObject);
        Assert.True(await S3TestKit.ExistsAsync(client, recent.OutputObject!.Key, TestContext.Current.CancellationToken));
        Assert.Equal(recent.OutputObject, (await _queue.GetAsync(recent.Id, TestContext.Current.CancellationToken))!.OutputObject);
    }

    [Fact(Timeout = 60_000)]
    public async Task PruneOnceAsync_TaskPeriodOnly_DeletesTheObjectsOfDeletedTasks()
    {
        s3.RequireAvailable();
        var options = S3TestKit.Options(s3);
        await using var services = Services(options);
        var service = Retention(services, outputs: "0", tasks: "1d");
        var ended = await EndWithLargeOutputAsync(services, "A");
        _time.Advance(TimeSpan.FromDays(1) + OutputStorage.DeletionSlack + TimeSpan.FromMinutes(1));

        var pass = await service.PruneOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, pass.Counts.Tasks);
        Assert.Equal(1, pass.OutputObjects);
        using var client = s3.CreateClient();
        Assert.False(await S3TestKit.ExistsAsync(client, ended.OutputObject!.Key, TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 60_000)]
    public async Task PruneOnceAsync_BucketDown_PrunesTheStoreAndLeavesTheObjectsForALaterPass()
    {
        s3.RequireAvailable();
        var options = S3TestKit.Options(s3);
        await using var up = Services(options);
        var ended = await EndWithLargeOutputAsync(up, "A");
        await using var down = Services(new S3StorageSection
        {
            Endpoint = S3TestKit.ClosedEndpoint(), Bucket = options.Bucket, Prefix = options.Prefix, PathStyle = true, Timeout = 5,
        });
        _time.Advance(TimeSpan.FromDays(8));

        var pass = await Retention(down, outputs: "7d").PruneOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, pass.Counts.Outputs);
        Assert.Equal(0, pass.OutputObjects);
        using var client = s3.CreateClient();
        Assert.True(await S3TestKit.ExistsAsync(client, ended.OutputObject!.Key, TestContext.Current.CancellationToken));

        // The bucket is back: the next pass finds the object by its key's time, though no row refers to it any more.
        var again = await Retention(up, outputs: "7d").PruneOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, again.OutputObjects);
        Assert.False(await S3TestKit.ExistsAsync(client, ended.OutputObject.Key, TestContext.Current.CancellationToken));
    }

    private ServiceProvider Services(S3StorageSection options)
    {
        var services = new ServiceCollection().AddMetrics().AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(new AgentConfig());
        services.AddSingleton<RunnerMetrics>();
        services.AddOutputStorage(new AgentConfig { Webhook = new WebhookSection { Storage = new StorageSection { S3 = options } } });
        return services.BuildServiceProvider();
    }

    private RetentionService Retention(ServiceProvider services, string outputs = "0", string tasks = "0")
    {
        var config = new AgentConfig
        {
            Webhook = new WebhookSection { Queue = new QueueSection { Retention = new RetentionSection { Tasks = tasks, Outputs = outputs, DedupeKeys = "0", Replies = "0" } } },
        };
        return new RetentionService(_queue, services, new RunnerMetrics(services.GetRequiredService<IMeterFactory>(), config), config, _time, NullLogger<RetentionService>.Instance);
    }

    private async Task<TaskRecord> EndWithLargeOutputAsync(ServiceProvider services, string project)
    {
        var task = (await _queue.EnqueueAsync(new NewTask
        {
            Platform = "api",
            Command = "analyze",
            Project = project,
            ProjectPath = $"/srv/projects/{project}",
            Requester = "alice",
        }, TestContext.Current.CancellationToken)).Task!;
        Assert.Equal(task.Id, (await _queue.ClaimNextAsync("runner", TestContext.Current.CancellationToken))!.Id);
        var outcome = await services.GetRequiredService<OutputStorage>().OffloadAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, S3TestKit.LargeText(20_000), null), TestContext.Current.CancellationToken);
        Assert.NotNull(outcome.OutputObject);
        Assert.True(await _queue.CompleteAsync(task.Id, outcome, TestContext.Current.CancellationToken));
        return (await _queue.GetAsync(task.Id, TestContext.Current.CancellationToken))!;
    }
}
