using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Queue;

/// <summary>
/// The queue's schema as an ordered list of migrations. <c>PRAGMA user_version</c> records how many have been
/// applied; a runner refuses a database written by a newer one rather than guess at its meaning.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // 1: the task table. seq is the rowid (FIFO order, never reused thanks to AUTOINCREMENT); id is what
        // users see. dedupe_key is unique, and SQLite lets several NULLs coexist under a unique index.
        """
        CREATE TABLE tasks (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT    NOT NULL UNIQUE,
            platform         TEXT    NOT NULL,
            command          TEXT    NOT NULL,
            args             TEXT    NOT NULL DEFAULT '[]',
            project          TEXT    NOT NULL,
            project_path     TEXT    NOT NULL,
            requester        TEXT    NOT NULL,
            repository       TEXT,
            dedupe_key       TEXT,
            reply_context    TEXT,
            state            TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed',
                                 'timed_out', 'oom_killed', 'output_limit', 'cancelled', 'interrupted', 'rejected')),
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            exit_code        INTEGER,
            error            TEXT,
            output           TEXT,
            owner            TEXT,
            container_id     TEXT,
            created_at       INTEGER NOT NULL,
            started_at       INTEGER,
            finished_at      INTEGER
        ) STRICT;
        CREATE UNIQUE INDEX ux_tasks_dedupe_key ON tasks (dedupe_key);
        CREATE INDEX ix_tasks_state_project ON tasks (state, project);
        """,
    ];

    public static int LatestVersion => Migrations.Length;

    /// <summary>Applies the missing migrations in one immediate transaction; returns the version found and the version left.</summary>
    public static async Task<(int From, int To)> MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // WAL is a property of the file (it persists), so setting it once here covers every later connection.
        // It must be set outside a transaction.
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            var mode = (string?)await wal.ExecuteScalarAsync(cancellationToken);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"queue database: could not switch to WAL journal mode (got '{mode}')");
            }
        }

        // deferred: false issues BEGIN IMMEDIATE: two runners starting on one file migrate one after the other.
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        var from = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (from > LatestVersion)
        {
            throw new InvalidOperationException(
                $"queue database schema version {from} is newer than this runner understands ({LatestVersion}); upgrade the runner");
        }

        for (var version = from + 1; version <= LatestVersion; version++)
        {
            command.CommandText = Migrations[version - 1];
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // PRAGMA does not take parameters; the value is our own integer.
        command.CommandText = $"PRAGMA user_version = {LatestVersion};";
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (from, LatestVersion);
    }
}
