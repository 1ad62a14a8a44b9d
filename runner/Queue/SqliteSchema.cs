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

        // 2: live counts of queued and running tasks, kept by triggers in the same transaction as every change, so
        // the capacity check and a new task's position cost one row read instead of a scan of the backlog
        // (bench/runner: two scans per enqueue made intake slower as the backlog grew, 525 -> 343 req/s at 22k).
        // Triggers, not an in-process counter, because several processes may share the file.
        """
        CREATE TABLE queue_counts (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            queued  INTEGER NOT NULL,
            running INTEGER NOT NULL
        ) STRICT;
        INSERT INTO queue_counts (id, queued, running)
            SELECT 1, coalesce(sum(state = 'queued'), 0), coalesce(sum(state = 'running'), 0) FROM tasks;
        CREATE TRIGGER tr_tasks_count_insert AFTER INSERT ON tasks BEGIN
            UPDATE queue_counts SET queued = queued + (NEW.state = 'queued'), running = running + (NEW.state = 'running') WHERE id = 1;
        END;
        CREATE TRIGGER tr_tasks_count_update AFTER UPDATE OF state ON tasks WHEN OLD.state <> NEW.state BEGIN
            UPDATE queue_counts SET
                queued = queued - (OLD.state = 'queued') + (NEW.state = 'queued'),
                running = running - (OLD.state = 'running') + (NEW.state = 'running')
            WHERE id = 1;
        END;
        CREATE TRIGGER tr_tasks_count_delete AFTER DELETE ON tasks BEGIN
            UPDATE queue_counts SET queued = queued - (OLD.state = 'queued'), running = running - (OLD.state = 'running') WHERE id = 1;
        END;
        """,

        // 3: the git result of a run task (branch, base, commits, diffstat) as JSON; NULL for everything else.
        """
        ALTER TABLE tasks ADD COLUMN git TEXT;
        """,

        // 4: runs in their own git worktree may share their project (SqliteTaskQueue.ProjectLockRule).
        """
        ALTER TABLE tasks ADD COLUMN worktree INTEGER NOT NULL DEFAULT 0;
        """,

        // 5: the reply outbox (runner/Replies). One row per message to a platform, kept after delivery so a
        // progress edit can find the acknowledgement's platform id (message_ref). Content is stored redacted.
        """
        CREATE TABLE replies (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id         TEXT,
            platform        TEXT    NOT NULL,
            kind            TEXT    NOT NULL CHECK (kind IN ('ack', 'progress', 'ending', 'rejection')),
            context         TEXT    NOT NULL,
            content         TEXT    NOT NULL,
            state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'expired')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            expires_at      INTEGER NOT NULL,
            created_at      INTEGER NOT NULL,
            delivered_at    INTEGER,
            message_ref     TEXT,
            last_error      TEXT
        ) STRICT;
        CREATE INDEX ix_replies_due ON replies (state, next_attempt_at);
        CREATE INDEX ix_replies_task ON replies (task_id, id);
        """,

        // 6: the W3C trace context a task and a reply were created in, so their spans continue the request's trace
        // (runner/Observability/RunnerTracing).
        """
        ALTER TABLE tasks ADD COLUMN trace_parent TEXT;
        ALTER TABLE replies ADD COLUMN trace_parent TEXT;
        """,

        // 7: retention (runner/Queue/SqliteTaskQueue.Retention.cs) finds ended tasks and finished replies by age
        // without scanning the live ones.
        """
        CREATE INDEX ix_tasks_finished_at ON tasks (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX ix_replies_finished ON replies (created_at) WHERE state <> 'pending';
        """,

        // 8: an output too large to keep inline went to object storage (runner/Storage): its key, size and SHA-256 as
        // JSON, with output NULL. Retention clears it with the output.
        """
        ALTER TABLE tasks ADD COLUMN output_object TEXT;
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
