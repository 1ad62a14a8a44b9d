using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Queue;

/// <summary>
/// Retention on SQLite. Each kind is one indexed statement limited to a batch (schema migration 7 indexes
/// <c>finished_at</c> of ended tasks and the finished replies), in its own write through the single writer, so an
/// enqueue waits for one batch at most. Freed pages go back to the file system with <c>incremental_vacuum</c>
/// (the file is switched to <c>auto_vacuum = INCREMENTAL</c> once, see <see cref="PrepareSpaceAsync"/>) and a WAL
/// truncate.
/// </summary>
internal sealed partial class SqliteTaskQueue : ITaskRetention
{
    // Pages per incremental_vacuum statement: 2000 pages of 4 KiB is 8 MiB moved per write lock.
    private const int VacuumStep = 2000;

    public async Task<PruneCounts> PruneAsync(RetentionCutoffs cutoffs, int batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        const string Ended = "finished_at < $cutoff AND state NOT IN ('queued', 'running')";
        var tasks = await PruneAllAsync($"DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE {Ended} LIMIT $batch);", cutoffs.Tasks, batch, cancellationToken);
        var outputs = await PruneAllAsync($"UPDATE tasks SET output = NULL, output_object = NULL WHERE seq IN (SELECT seq FROM tasks WHERE {Ended} AND (output IS NOT NULL OR output_object IS NOT NULL) LIMIT $batch);", cutoffs.Outputs, batch, cancellationToken);
        var dedupe = await PruneAllAsync($"UPDATE tasks SET dedupe_key = NULL WHERE seq IN (SELECT seq FROM tasks WHERE {Ended} AND dedupe_key IS NOT NULL LIMIT $batch);", cutoffs.DedupeKeys, batch, cancellationToken);
        return new PruneCounts(tasks, outputs, dedupe);
    }

    /// <summary>Deletes the delivered or given-up replies queued before <paramref name="cutoff"/>, a batch per write.</summary>
    public Task<int> PruneRepliesAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken) =>
        PruneAllAsync("DELETE FROM replies WHERE id IN (SELECT id FROM replies WHERE state <> 'pending' AND created_at < $cutoff LIMIT $batch);", cutoff, batch, cancellationToken);

    public Task<long> SizeAsync(CancellationToken cancellationToken)
    {
        long size = 0;
        foreach (var file in new[] { _path, _path + "-wal" })
        {
            var info = new FileInfo(file);
            if (info.Exists)
            {
                size += info.Length;
            }
        }

        return Task.FromResult(size);
    }

    public async Task<long> ReclaimAsync(CancellationToken cancellationToken)
    {
        var before = await SizeAsync(cancellationToken);
        var previous = long.MaxValue;
        while (true)
        {
            var free = await WriteAsync(async (connection, transaction) =>
            {
                using var vacuum = Command(connection, transaction, $"PRAGMA incremental_vacuum({VacuumStep});");
                await vacuum.ExecuteNonQueryAsync(cancellationToken);
                using var count = Command(connection, transaction, "PRAGMA freelist_count;");
                return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            }, cancellationToken);

            // Done, or nothing moved (a file not in incremental mode frees nothing): never spin on the writer.
            if (free == 0 || free >= previous)
            {
                break;
            }

            previous = free;
        }

        // The file shrinks when the WAL is checkpointed; TRUNCATE also empties the WAL file itself. A checkpoint cannot
        // run inside the writer's transaction, so it takes a connection of its own and waits its turn (busy_timeout).
        await ReadAsync(async connection =>
        {
            using var checkpoint = Command(connection, null, "PRAGMA wal_checkpoint(TRUNCATE);");
            return await checkpoint.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return Math.Max(0, before - await SizeAsync(cancellationToken));
    }

    /// <summary>
    /// Before the migrations: a file without <c>auto_vacuum = INCREMENTAL</c> is switched to it. A new file just takes
    /// the setting; an existing one is rewritten once by <c>VACUUM</c> (exclusive, at start-up before intake opens;
    /// measured in bench/retention), after which freed pages can be given back a batch at a time.
    /// </summary>
    internal static async Task<bool> PrepareSpaceAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA auto_vacuum;";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 2)
        {
            return false;
        }

        command.CommandText = "PRAGMA auto_vacuum = INCREMENTAL;";
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = "SELECT count(*) FROM sqlite_master;";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            return false;
        }

        command.CommandText = "VACUUM;";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    /// <summary>Runs a batch-limited statement until a batch comes back short; each run is its own write.</summary>
    private async Task<int> PruneAllAsync(string sql, DateTimeOffset? cutoff, int batch, CancellationToken cancellationToken)
    {
        if (cutoff is not { } at)
        {
            return 0;
        }

        var total = 0;
        int changed;
        do
        {
            changed = await WriteAsync(async (connection, transaction) =>
            {
                using var statement = Command(connection, transaction, sql);
                statement.Parameters.AddWithValue("$cutoff", ToUnixMs(at));
                statement.Parameters.AddWithValue("$batch", batch);
                return await statement.ExecuteNonQueryAsync(cancellationToken);
            }, cancellationToken);
            total += changed;
        }
        while (changed == batch);

        return total;
    }
}
