using Codeur.Runner.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.Runner.Tests.Queue;

public sealed class SqliteWriteBatcherTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codeur-batcher-tests", Guid.NewGuid().ToString("N"));

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "b.db"), Pooling = false }.ToString();

    [Fact(Timeout = 15_000)]
    public async Task WriteAsync_OneOperationFailsInABatch_OthersCommittedAndFailureRolledBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateTableAsync(ct);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = NewBatcher();
        await using (writer)
        {
            // Holds the writer loop so the next four operations queue up and run as one batch.
            var holder = writer.WriteAsync(async (cn, tx, token) => { await release.Task.WaitAsync(token); return 0; }, ct);
            var a = writer.WriteAsync((cn, tx, token) => InsertAsync(cn, tx, "a", token), ct);
            var b = writer.WriteAsync<int>(async (cn, tx, token) =>
            {
                await InsertAsync(cn, tx, "b", token);
                throw new InvalidOperationException("boom");
            }, ct);
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var d = writer.WriteAsync((cn, tx, token) => InsertAsync(cn, tx, "d", token), abandon.Token);
            var c = writer.WriteAsync((cn, tx, token) => InsertAsync(cn, tx, "c", token), ct);
            await abandon.CancelAsync();
            release.SetResult();

            await holder.WaitAsync(ct);
            Assert.Equal(1, await a.WaitAsync(ct));
            Assert.Equal(1, await c.WaitAsync(ct));
            Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => b.WaitAsync(ct))).Message);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => d.WaitAsync(ct));
        }

        Assert.Equal(["a", "c"], await RowsAsync(ct));
    }

    [Fact(Timeout = 15_000)]
    public async Task DisposeAsync_QueuedOperations_StillCommitted()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateTableAsync(ct);
        var writer = NewBatcher();
        var writes = Enumerable.Range(0, 20).Select(i => writer.WriteAsync((cn, tx, token) => InsertAsync(cn, tx, $"r{i:D2}", token), ct)).ToList();

        await writer.DisposeAsync();

        Assert.All(writes, w => Assert.True(w.IsCompletedSuccessfully));
        Assert.Equal(20, (await RowsAsync(ct)).Count);
        Assert.Throws<ObjectDisposedException>(() => { _ = writer.WriteAsync((cn, tx, token) => InsertAsync(cn, tx, "late", token), ct); });
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private SqliteWriteBatcher NewBatcher() => new(async token =>
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(token);
        return connection;
    }, NullLogger.Instance);

    private async Task CreateTableAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_directory);
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE t (x TEXT NOT NULL);";
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<int> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, string value, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO t (x) VALUES ($x);";
        command.Parameters.AddWithValue("$x", value);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<string>> RowsAsync(CancellationToken ct)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT x FROM t ORDER BY x;";
        using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
