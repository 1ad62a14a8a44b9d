using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Retention;

/// <summary>What only SQLite owes retention: the file gives its space back, old files are converted, the outbox is pruned.</summary>
public sealed class SqliteRetentionTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-retention-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));
    private readonly List<SqliteTaskQueue> _queues = [];

    private string DatabasePath => Path.Combine(_directory, "codeur.db");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReclaimAsync_AfterLargeOutputsArePruned_FileShrinksToAFraction()
    {
        var queue = await OpenAsync();
        var output = new string('o', 256 * 1024);
        for (var i = 0; i < 60; i++)
        {
            var task = (await queue.EnqueueAsync(NewTask($"p{i}"), TestContext.Current.CancellationToken)).Task!;
            Assert.Equal(task.Id, (await queue.ClaimNextAsync("runner", TestContext.Current.CancellationToken))!.Id);
            Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, output + i, null), TestContext.Current.CancellationToken));
        }

        await queue.ReclaimAsync(TestContext.Current.CancellationToken);
        var full = await queue.SizeAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromDays(8));

        var counts = await queue.PruneAsync(new RetentionCutoffs(null, _time.GetUtcNow() - TimeSpan.FromDays(7), null), 16, TestContext.Current.CancellationToken);
        var reclaimed = await queue.ReclaimAsync(TestContext.Current.CancellationToken);
        var after = await queue.SizeAsync(TestContext.Current.CancellationToken);

        TestContext.Current.SendDiagnosticMessage($"60 outputs of 256 KiB: {full} bytes before, {after} after pruning (reclaimed {reclaimed})");
        Assert.Equal(60, counts.Outputs);
        Assert.True(full > 60L * 256 * 1024, $"the store held {full} bytes");
        Assert.True(after < full / 10, $"the file kept {after} of {full} bytes");
        Assert.True(reclaimed >= full - after, $"reclaimed {reclaimed} bytes, but the store went from {full} to {after}");
        Assert.Equal(60, (await queue.RecentAsync(100, TestContext.Current.CancellationToken)).Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task InitializeAsync_FileWithoutIncrementalVacuum_ConvertedOnceAndTasksKept()
    {
        var queue = await OpenAsync();
        var task = (await queue.EnqueueAsync(NewTask("A"), TestContext.Current.CancellationToken)).Task!;
        await queue.DisposeAsync();
        _queues.Remove(queue);
        SqliteConnection.ClearAllPools();

        // A file written before retention existed: no auto_vacuum.
        await ExecuteAsync("PRAGMA auto_vacuum = NONE; VACUUM;");
        Assert.Equal(0L, await ScalarAsync("PRAGMA auto_vacuum;"));

        var reopened = await OpenAsync();

        Assert.Equal(2L, await ScalarAsync("PRAGMA auto_vacuum;"));
        Assert.Equal(task.Id, (await reopened.GetAsync(task.Id, TestContext.Current.CancellationToken))!.Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReclaimAsync_FileNotInIncrementalMode_ReturnsInsteadOfSpinning()
    {
        var queue = await OpenAsync();
        for (var i = 0; i < 20; i++)
        {
            var task = (await queue.EnqueueAsync(NewTask($"p{i}"), TestContext.Current.CancellationToken)).Task!;
            Assert.Equal(task.Id, (await queue.ClaimNextAsync("runner", TestContext.Current.CancellationToken))!.Id);
            Assert.True(await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, new string('o', 64 * 1024), null), TestContext.Current.CancellationToken));
        }

        // Someone turned incremental vacuum off behind the runner's back: freed pages cannot be given back.
        await ExecuteAsync("PRAGMA auto_vacuum = NONE; VACUUM;");
        _time.Advance(TimeSpan.FromDays(8));
        var counts = await queue.PruneAsync(new RetentionCutoffs(null, _time.GetUtcNow() - TimeSpan.FromDays(7), null), 500, TestContext.Current.CancellationToken);
        Assert.Equal(20, counts.Outputs);
        Assert.True(Convert.ToInt64(await ScalarAsync("PRAGMA freelist_count;"), System.Globalization.CultureInfo.InvariantCulture) > 0);

        var reclaimed = await queue.ReclaimAsync(TestContext.Current.CancellationToken);

        Assert.True(reclaimed >= 0);
        Assert.Equal(0L, await ScalarAsync("PRAGMA auto_vacuum;"));
    }

    [Fact(Timeout = 30_000)]
    public async Task PruneRepliesAsync_FinishedRepliesPastTheirPeriod_DeletedAndPendingKept()
    {
        var queue = await OpenAsync();
        var outbox = new SqliteReplyOutbox(queue, _time);
        var expiry = _time.GetUtcNow().AddDays(10);
        await outbox.AddAsync(Reply("t1", ReplyKind.Ack, "delivered"), expiry, TestContext.Current.CancellationToken);
        await outbox.AddAsync(Reply("t2", ReplyKind.Ack, "given up"), expiry, TestContext.Current.CancellationToken);
        await outbox.AddAsync(Reply("t3", ReplyKind.Ack, "still pending"), expiry, TestContext.Current.CancellationToken);
        var due = await outbox.DueAsync(_time.GetUtcNow(), 10, TestContext.Current.CancellationToken);
        await outbox.DeliveredAsync(due.Single(r => r.Reply.TaskId == "t1").Id, "1", TestContext.Current.CancellationToken);
        await outbox.FailedAsync(due.Single(r => r.Reply.TaskId == "t2").Id, "gone", null, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromDays(3));
        await outbox.AddAsync(Reply("t4", ReplyKind.Ack, "recent"), expiry, TestContext.Current.CancellationToken);
        await outbox.DeliveredAsync((await outbox.DueAsync(_time.GetUtcNow(), 10, TestContext.Current.CancellationToken)).Single(r => r.Reply.TaskId == "t4").Id, "4", TestContext.Current.CancellationToken);

        var deleted = await ((IReplyRetention)outbox).PruneAsync(_time.GetUtcNow() - TimeSpan.FromDays(2), 1, TestContext.Current.CancellationToken);

        Assert.Equal(2, deleted);
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM replies;"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM replies WHERE task_id = 't3' AND state = 'pending';"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM replies WHERE task_id = 't4';"));
    }

    private async Task<SqliteTaskQueue> OpenAsync()
    {
        var queue = new SqliteTaskQueue(new QueueSection { Path = DatabasePath }, _time, NullLogger<SqliteTaskQueue>.Instance);
        _queues.Add(queue);
        await queue.InitializeAsync(TestContext.Current.CancellationToken);
        return queue;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    private static NewTask NewTask(string project) => new()
    {
        Platform = "api",
        Command = "analyze",
        Project = project,
        ProjectPath = $"/srv/projects/{project}",
        Requester = "alice",
    };

    private static OutgoingReply Reply(string taskId, ReplyKind kind, string headline) => new()
    {
        Platform = "github",
        TaskId = taskId,
        Kind = kind,
        Context = """{"repository":"acme/backend","issue_number":7}""",
        Content = new ReplyContent { Headline = headline },
    };
}
