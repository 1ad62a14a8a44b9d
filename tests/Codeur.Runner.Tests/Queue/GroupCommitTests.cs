using System.Net;
using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Replies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Queue;

/// <summary>
/// One durable write per request, committed in groups (issue 16): concurrent enqueues share the writer's commits (one
/// fsync for many), and a task and its acknowledgement are one transaction, stored together or not at all.
/// </summary>
public sealed class GroupCommitTests : IAsyncDisposable
{
    private const int Requests = 48;

    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-group-commit-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnqueueAsync_ConcurrentWhileTheWriterIsBusy_FewerCommitsThanEnqueuesAndEveryTaskStored()
    {
        await using var queue = new SqliteTaskQueue(new QueueSection { Path = Path.Combine(_directory, "codeur.db") }, TimeProvider.System, NullLogger<SqliteTaskQueue>.Instance);
        await queue.InitializeAsync(Ct);

        // The writer is busy (as it is during another batch's fsync): what arrives meanwhile waits, then commits together.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = queue.WriteAsync(async (_, _) => { await release.Task.WaitAsync(Ct); return 0; }, Ct);
        var before = queue.Commits;
        var enqueues = Enumerable.Range(0, Requests).Select(i => queue.EnqueueAsync(Task(i), Ct)).ToList();
        release.SetResult();
        await busy;
        var results = await System.Threading.Tasks.Task.WhenAll(enqueues);

        var commits = queue.Commits - before;
        Assert.InRange(commits, 1, 2);
        Assert.All(results, r => Assert.Equal(EnqueueStatus.Created, r.Status));
        Assert.Equal(Requests, results.Select(r => r.Task!.Id).Distinct().Count());
        foreach (var result in results)
        {
            Assert.NotNull(await queue.GetAsync(result.Task!.Id, Ct));
        }

        // Positions are those of one writer taking them in turn: 1..N, each once.
        Assert.Equal(Enumerable.Range(1, Requests), results.Select(r => r.QueuePosition).Order());
    }

    [Fact]
    public async Task Intake_AcknowledgementCannotBeStored_TaskNotStoredEitherAnd503()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));
        var store = host.Services.GetRequiredService<SqliteTaskQueue>();

        // The outbox refuses acknowledgements (as a full disk or a broken file would refuse a page of them).
        await store.WriteAsync(async (connection, transaction) =>
        {
            using var trigger = new SqliteCommand(
                "CREATE TRIGGER refuse_ack BEFORE INSERT ON replies WHEN NEW.kind = 'ack' BEGIN SELECT RAISE(ABORT, 'no room for acks'); END;",
                connection, transaction);
            return await trigger.ExecuteNonQueryAsync(Ct);
        }, Ct);

        using var refused = await GitHubCommentAsync(host, "run --project backend ending:succeeded");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Empty(await host.Queue.RecentAsync(10, Ct));

        await store.WriteAsync(async (connection, transaction) =>
        {
            using var drop = new SqliteCommand("DROP TRIGGER refuse_ack;", connection, transaction);
            return await drop.ExecuteNonQueryAsync(Ct);
        }, Ct);

        using var accepted = await GitHubCommentAsync(host, "run --project backend ending:succeeded");
        var id = await TaskIdAsync(accepted);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        // The refusal itself was answered on the issue (a rejection, not an acknowledgement); then the task's ack.
        var posted = await fake.WaitForAsync(_ => true, count: 2);
        Assert.StartsWith("Refused: the task queue is unavailable", posted[0].Json.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal($"Task `{id}` queued: `run` in project *backend* (position 1).", posted[1].Json.GetProperty("body").GetString());
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    private static NewTask Task(int i) => new()
    {
        Platform = "api",
        Command = "run",
        Args = [$"task {i}"],
        Project = "backend",
        ProjectPath = "/srv/backend",
        Requester = "token:ci",
        DedupeKey = $"request:{i}",
    };
}
