using Codeur.Configuration;
using Codeur.Runner.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.Runner.Tests.Queue;

/// <summary>The shared contract on a real SQLite file, plus what only the SQLite backend promises.</summary>
public sealed class SqliteTaskQueueTests : TaskQueueContractTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codeur-queue-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SqliteTaskQueue> _queues = [];

    private string DatabasePath => Path.Combine(_directory, "data", "codeur.db");

    protected override async Task<ITaskQueue> CreateQueueAsync(int capacity = 1000)
    {
        var queue = CreateSqliteQueue(DatabasePath, capacity);
        await queue.InitializeAsync(TestContext.Current.CancellationToken);
        return queue;
    }

    [Fact(Timeout = 15_000)]
    public async Task InitializeAsync_MissingDirectory_CreatesWalDatabaseWithSchemaVersion()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.False(Directory.Exists(Path.GetDirectoryName(DatabasePath)));

        await CreateQueueAsync();

        Assert.True(File.Exists(DatabasePath));
        await using var connection = await OpenAsync(ct);
        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode;", ct));
        Assert.Equal((long)SqliteSchema.LatestVersion, await ScalarAsync(connection, "PRAGMA user_version;", ct));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ux_tasks_dedupe_key';", ct));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_tasks_state_project';", ct));
    }

    [Fact(Timeout = 15_000)]
    public async Task InitializeAsync_ExistingDatabase_KeepsTasks()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await CreateQueueAsync();
        var task = (await first.EnqueueAsync(NewTask("A"), ct)).Task!;

        var second = CreateSqliteQueue(DatabasePath, 1000);
        await second.InitializeAsync(ct);
        await second.InitializeAsync(ct);

        Assert.Equal(task.Id, (await second.GetAsync(task.Id, ct))?.Id);
    }

    [Fact(Timeout = 15_000)]
    public async Task InitializeAsync_SchemaFromNewerRunner_RefusesWithVersionInMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateQueueAsync();
        await using (var connection = await OpenAsync(ct))
        {
            await ScalarAsync(connection, "PRAGMA user_version = 99;", ct);
        }

        var queue = CreateSqliteQueue(DatabasePath, 1000);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.InitializeAsync(ct));
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.PingAsync(ct));
    }

    [Fact(Timeout = 15_000)]
    public async Task PingAsync_PathIsADirectory_Throws()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(DatabasePath);
        var queue = CreateSqliteQueue(DatabasePath, 1000);

        await Assert.ThrowsAsync<SqliteException>(() => queue.PingAsync(ct));
    }

    [Fact(Timeout = 15_000)]
    public async Task EnqueueAsync_Stored_AsSnakeCaseStateAndJsonArgs()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var task = (await queue.EnqueueAsync(NewTask("A") with { Args = ["a b", "c\"d"] }, ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.CompleteAsync(task.Id, new TaskOutcome(TaskState.OomKilled, 137, null, "out of memory"), ct);

        await using var connection = await OpenAsync(ct);
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT state, args, created_at FROM tasks WHERE id = $id;";
        select.Parameters.AddWithValue("$id", task.Id);
        using var reader = await select.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));
        Assert.Equal("oom_killed", reader.GetString(0));
        Assert.Equal("""["a b","c\u0022d"]""", reader.GetString(1));
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), reader.GetInt64(2));
    }

    [Fact(Timeout = 30_000)]
    public async Task ClaimNextAsync_TwoQueueInstancesOnOneFile_NeverClaimTheSameTask()
    {
        var ct = TestContext.Current.CancellationToken;
        // Two instances have separate writer loops and connections: only SQLite's file lock (BEGIN IMMEDIATE) keeps them
        // apart, as it must for two runner processes sharing the file.
        var left = await CreateQueueAsync();
        var right = await CreateQueueAsync();
        const int Count = 60;
        for (var i = 0; i < Count; i++)
        {
            await left.EnqueueAsync(NewTask($"p{i}"), ct);
        }

        async Task<List<string>> Drain(ITaskQueue queue, string owner)
        {
            var ids = new List<string>();
            while (await queue.ClaimNextAsync(owner, ct) is { } task)
            {
                ids.Add(task.Id);
            }

            return ids;
        }

        var claimed = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(n => Task.Run(() => Drain(n % 2 == 0 ? left : right, $"w{n}"), ct)));

        var all = claimed.SelectMany(ids => ids).ToList();
        Assert.Equal(Count, all.Count);
        Assert.Equal(Count, all.Distinct().Count());
    }

    [Fact(Timeout = 30_000)]
    public async Task QueueCounts_AfterEveryKindOfChange_MatchTheRows()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await queue.EnqueueAsync(NewTask("p" + (i % 3)), ct)).Task!.Id);
        }

        var first = await queue.ClaimNextAsync("r1", ct);
        var second = await queue.ClaimNextAsync("r1", ct);
        await queue.CompleteAsync(first!.Id, new TaskOutcome(TaskState.Succeeded, 0, "", null), ct);
        await queue.RequestCancelAsync(ids[5], ct);
        await queue.ReleaseAsync(second!.Id, ct);
        await queue.ClaimNextAsync("r1", ct);
        await queue.InterruptRunningAsync(null, ct);

        await using var connection = await OpenAsync(ct);
        Assert.Equal(await ScalarAsync(connection, "SELECT count(*) FROM tasks WHERE state = 'queued';", ct), await ScalarAsync(connection, "SELECT queued FROM queue_counts;", ct));
        Assert.Equal(await ScalarAsync(connection, "SELECT count(*) FROM tasks WHERE state = 'running';", ct), await ScalarAsync(connection, "SELECT running FROM queue_counts;", ct));
        var stats = await queue.GetStatsAsync(ct);
        Assert.Equal(3, stats.Queued);
        Assert.Equal(0, stats.Running);
    }

    [Fact]
    public void AddTaskQueue_SqliteBackend_RegistersSingletonQueue()
    {
        var config = new AgentConfig();
        config.Webhook.Queue.Path = DatabasePath;
        var services = new ServiceCollection().AddLogging().AddTaskQueue(config);
        using var provider = services.BuildServiceProvider();

        var queue = provider.GetRequiredService<ITaskQueue>();

        var sqlite = Assert.IsType<SqliteTaskQueue>(queue);
        Assert.Same(queue, provider.GetRequiredService<ITaskQueue>());
        Assert.Equal(DatabasePath, sqlite.DatabasePath);
        Assert.Contains(provider.GetServices<IHostedService>(), service => service is TaskQueueInitializer);
    }

    public void Dispose()
    {
        foreach (var queue in _queues)
        {
            queue.Dispose();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private SqliteTaskQueue CreateSqliteQueue(string path, int capacity)
    {
        var queue = new SqliteTaskQueue(
            new QueueSection { Path = path, Capacity = capacity },
            Time,
            NullLogger<SqliteTaskQueue>.Instance);
        _queues.Add(queue);
        return queue;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        return connection;
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }

    private static NewTask NewTask(string project) => new()
    {
        Platform = "api",
        Command = "run",
        Args = ["x"],
        Project = project,
        ProjectPath = $"/srv/projects/{project}",
        Requester = "bob",
    };
}
