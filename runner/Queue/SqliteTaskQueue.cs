using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Codeur.Configuration;
using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Queue;

/// <summary>
/// The embedded queue: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a task is on disk (WAL fsynced)
/// once <see cref="EnqueueAsync"/> returns.
/// </summary>
/// <remarks>
/// Locking. Every write runs in a <c>BEGIN IMMEDIATE</c> transaction, which takes SQLite's single write lock before
/// it reads: the dedupe check, capacity count and insert of an enqueue, and the pick-and-mark of a claim, cannot
/// interleave with another writer, in this process or in another process sharing the file (which waits up to
/// <c>busy_timeout</c>). Inside the process all writes go through one <see cref="SqliteWriteBatcher"/>: a single
/// loop on one owned connection, so in-process writers never meet on the file lock (SQLite's busy handler waits by
/// sleeping and polling), and writes that arrive together share one commit, one fsync. Reads take a pooled
/// connection each and no lock: WAL gives them a consistent snapshot beside the writer.
/// </remarks>
internal sealed partial class SqliteTaskQueue(QueueSection options, TimeProvider timeProvider, ILogger<SqliteTaskQueue> logger)
    : ITaskQueue, IAsyncDisposable, IDisposable
{
    /// <summary>Why an interrupted task is not run again; shown to the user.</summary>
    public const string InterruptedError = "runner stopped while the task ran; not re-run because agents change code";

    private const int BusyTimeoutMilliseconds = 5000;

    /// <summary>
    /// The per-project lock, in one place: queued task <c>q</c> may start unless a task of its project that is running,
    /// or queued before it, conflicts with it (so conflicting tasks keep their order). Two runs that each work in their
    /// own git worktree (<c>worktree = 1</c>) do not conflict; every other pair does (a run in place edits the tree
    /// that analyze/status/search read, and those read it while it changes).
    /// </summary>
    private const string ProjectLockRule = """
        NOT EXISTS (SELECT 1 FROM tasks r
                    WHERE r.project = q.project
                      AND (r.state = 'running' OR (r.state = 'queued' AND r.seq < q.seq))
                      AND NOT (q.worktree = 1 AND r.worktree = 1))
        """;

    private const string Columns =
        "seq, id, platform, command, args, project, project_path, requester, repository, dedupe_key, reply_context, " +
        "state, cancel_requested, exit_code, error, output, owner, container_id, created_at, started_at, finished_at, git, worktree, trace_parent, output_object";

    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> PreparedCommands = new();

    // Columns with the output left out (NULL in its place, so ReadRecord's ordinals hold): listings never read it.
    private const string SummaryColumns =
        "seq, id, platform, command, args, project, project_path, requester, repository, dedupe_key, reply_context, " +
        "state, cancel_requested, exit_code, error, NULL, owner, container_id, created_at, started_at, finished_at, git, worktree, trace_parent, output_object";

    private readonly string _path = Path.GetFullPath(options.Path);
    private readonly int _capacity = options.Capacity;
    private readonly Lock _initLock = new();
    private Task? _initialization;
    private string? _connectionString;
    private SqliteWriteBatcher? _writer;

    public string DatabasePath => _path;

    public bool IsShared => false;

    /// <summary>Creates the directory and the file, switches to WAL and applies migrations. Safe to call repeatedly.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        lock (_initLock)
        {
            // A failed or cancelled attempt is retried by the next caller rather than cached forever.
            if (_initialization is null || _initialization.IsFaulted || _initialization.IsCanceled)
            {
                _initialization = InitializeCoreAsync(cancellationToken);
            }

            return _initialization;
        }
    }

    public Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken) => EnqueueAsync(task, null, cancellationToken);

    /// <summary>
    /// Enqueues, and when the task is created runs <paramref name="alsoOnCreate"/> in the same transaction (the reply
    /// outbox stores the acknowledgement there): the task, its dedupe key and its acknowledgement commit together, in
    /// one commit shared with whatever else the writer batched, or not at all.
    /// </summary>
    internal async Task<EnqueueResult> EnqueueAsync(
        NewTask task, Func<SqliteConnection, SqliteTransaction, EnqueueResult, CancellationToken, Task>? alsoOnCreate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var result = await WriteAsync(async (connection, transaction) =>
        {
            if (task.DedupeKey is not null)
            {
                var find = Prepared(connection, transaction, $"SELECT {Columns} FROM tasks WHERE dedupe_key = $key;");
                find.Parameters.AddWithValue("$key", task.DedupeKey);
                var existing = await ReadSingleAsync(find, cancellationToken);
                if (existing is not null)
                {
                    var position = existing.State == TaskState.Queued
                        ? await PositionAsync(connection, transaction, existing.Sequence, cancellationToken)
                        : 0;
                    return new EnqueueResult(EnqueueStatus.Duplicate, existing, position);
                }
            }

            var count = Prepared(connection, transaction, "SELECT queued + running FROM queue_counts WHERE id = 1;");
            if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) >= _capacity)
            {
                return new EnqueueResult(EnqueueStatus.Full, null);
            }

            var now = timeProvider.GetUtcNow();
            var record = new TaskRecord
            {
                Id = Guid.CreateVersion7(now).ToString("N"),
                Sequence = 0,
                Platform = task.Platform,
                Command = task.Command,
                Args = [.. task.Args],
                Project = task.Project,
                ProjectPath = task.ProjectPath,
                Requester = task.Requester,
                Repository = task.Repository,
                DedupeKey = task.DedupeKey,
                ReplyContext = task.ReplyContext,
                Worktree = task.Worktree,
                TraceParent = task.TraceParent,
                State = TaskState.Queued,
                CreatedAt = FromUnixMs(ToUnixMs(now)),
            };

            var insert = Prepared(connection, transaction, """
                INSERT INTO tasks (id, platform, command, args, project, project_path, requester, repository,
                                   dedupe_key, reply_context, state, created_at, worktree, trace_parent)
                VALUES ($id, $platform, $command, $args, $project, $project_path, $requester, $repository,
                        $dedupe_key, $reply_context, 'queued', $created_at, $worktree, $trace_parent)
                RETURNING seq;
                """);
            insert.Parameters.AddWithValue("$id", record.Id);
            insert.Parameters.AddWithValue("$platform", record.Platform);
            insert.Parameters.AddWithValue("$command", record.Command);
            insert.Parameters.AddWithValue("$args", JsonSerializer.Serialize(record.Args.ToArray(), QueueJsonContext.Default.StringArray));
            insert.Parameters.AddWithValue("$project", record.Project);
            insert.Parameters.AddWithValue("$project_path", record.ProjectPath);
            insert.Parameters.AddWithValue("$requester", record.Requester);
            insert.Parameters.AddWithValue("$repository", (object?)record.Repository ?? DBNull.Value);
            insert.Parameters.AddWithValue("$dedupe_key", (object?)record.DedupeKey ?? DBNull.Value);
            insert.Parameters.AddWithValue("$reply_context", (object?)record.ReplyContext ?? DBNull.Value);
            insert.Parameters.AddWithValue("$created_at", ToUnixMs(now));
            insert.Parameters.AddWithValue("$worktree", task.Worktree ? 1 : 0);
            insert.Parameters.AddWithValue("$trace_parent", (object?)task.TraceParent ?? DBNull.Value);
            var seq = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);

            // The new task has the highest seq, so every queued task is ahead of it or is it: its position is the count.
            var queued = Prepared(connection, transaction, "SELECT queued FROM queue_counts WHERE id = 1;");
            var place = Convert.ToInt32(await queued.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            var created = new EnqueueResult(EnqueueStatus.Created, record with { Sequence = seq }, place);
            if (alsoOnCreate is not null)
            {
                await alsoOnCreate(connection, transaction, created, cancellationToken);
            }

            return created;
        }, cancellationToken);

        if (result.Status == EnqueueStatus.Full)
        {
            Log.QueueFull(logger, _capacity);
        }

        return result;
    }

    public Task<TaskRecord?> ClaimNextAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);

        // One statement: the oldest queued task whose project has nothing running. The NOT EXISTS probe is an
        // index lookup on (state, project); the write lock is already held, so nobody can slip in between.
        return WriteAsync(async (connection, transaction) =>
        {
            using var claim = Command(connection, transaction, $"""
                UPDATE tasks SET state = 'running', started_at = $now, owner = $owner
                WHERE seq = (
                    SELECT q.seq FROM tasks q
                    WHERE q.state = 'queued'
                      AND {ProjectLockRule}
                    ORDER BY q.seq
                    LIMIT 1)
                RETURNING {Columns};
                """);
            claim.Parameters.AddWithValue("$now", ToUnixMs(timeProvider.GetUtcNow()));
            claim.Parameters.AddWithValue("$owner", owner);
            return await ReadSingleAsync(claim, cancellationToken);
        }, cancellationToken);
    }

    public async Task<TaskRecord?> BeginAsync(string id, CancellationToken cancellationToken)
    {
        // One runner owns the file's running tasks, so a running task is still this runner's.
        var task = await GetAsync(id, cancellationToken);
        return task?.State == TaskState.Running ? task : null;
    }

    public Task SetContainerAsync(string id, string containerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        return WriteAsync(async (connection, transaction) =>
        {
            using var update = Command(connection, transaction, "UPDATE tasks SET container_id = $container WHERE id = $id;");
            update.Parameters.AddWithValue("$container", containerId);
            update.Parameters.AddWithValue("$id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    public Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);

        // Its sequence number is untouched, so the released task keeps its place at the head of its project's line.
        return WriteAsync(async (connection, transaction) =>
        {
            using var update = Command(connection, transaction, """
                UPDATE tasks SET state = 'queued', started_at = NULL, owner = NULL, container_id = NULL
                WHERE id = $id AND state = 'running';
                """);
            update.Parameters.AddWithValue("$id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);
    }

    public Task<bool> CompleteAsync(string id, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(outcome);
        if (!TaskStateNames.IsFinal(outcome.State))
        {
            throw new ArgumentException($"a task can only complete in a final state, not {outcome.State}", nameof(outcome));
        }

        return WriteAsync(async (connection, transaction) =>
        {
            using var update = Command(connection, transaction, """
                UPDATE tasks SET state = $state, finished_at = $now, exit_code = $exit_code, output = $output, error = $error,
                                 git = $git, output_object = $output_object
                WHERE id = $id AND state = 'running';
                """);
            update.Parameters.AddWithValue("$state", TaskStateNames.ToName(outcome.State));
            update.Parameters.AddWithValue("$now", ToUnixMs(timeProvider.GetUtcNow()));
            update.Parameters.AddWithValue("$exit_code", (object?)outcome.ExitCode ?? DBNull.Value);
            update.Parameters.AddWithValue("$output", (object?)outcome.Output ?? DBNull.Value);
            update.Parameters.AddWithValue("$error", (object?)outcome.Error ?? DBNull.Value);
            update.Parameters.AddWithValue("$git", outcome.Git is null ? DBNull.Value : JsonSerializer.Serialize(outcome.Git, QueueJsonContext.Default.TaskGitResult));
            update.Parameters.AddWithValue("$output_object", outcome.OutputObject is null
                ? DBNull.Value
                : JsonSerializer.Serialize(outcome.OutputObject, QueueJsonContext.Default.TaskOutputObject));
            update.Parameters.AddWithValue("$id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);
    }

    public Task<TaskRecord?> RequestCancelAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);

        // Queued: cancelled on the spot (no worker has it). Running: flagged for its worker, which kills the
        // container and completes it as cancelled. Final: untouched. Either way the current record comes back.
        return WriteAsync(async (connection, transaction) =>
        {
            using var update = Command(connection, transaction, $"""
                UPDATE tasks SET
                    finished_at = CASE WHEN state = 'queued' THEN $now ELSE finished_at END,
                    cancel_requested = CASE WHEN state IN ('queued', 'running') THEN 1 ELSE cancel_requested END,
                    state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END
                WHERE id = $id
                RETURNING {Columns};
                """);
            update.Parameters.AddWithValue("$now", ToUnixMs(timeProvider.GetUtcNow()));
            update.Parameters.AddWithValue("$id", id);
            return await ReadSingleAsync(update, cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<TaskRecord>> InterruptRunningAsync(string? owner, CancellationToken cancellationToken)
    {
        var interrupted = await WriteAsync(async (connection, transaction) =>
        {
            using var update = Command(connection, transaction, $"""
                UPDATE tasks SET state = 'interrupted', finished_at = $now, error = $error
                WHERE state = 'running' AND ($owner IS NULL OR owner = $owner)
                RETURNING {Columns};
                """);
            update.Parameters.AddWithValue("$now", ToUnixMs(timeProvider.GetUtcNow()));
            update.Parameters.AddWithValue("$error", InterruptedError);
            update.Parameters.AddWithValue("$owner", (object?)owner ?? DBNull.Value);
            var records = await ReadAllAsync(update, cancellationToken);

            // RETURNING rows come in no promised order.
            records.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            return records;
        }, cancellationToken);

        foreach (var task in interrupted)
        {
            Log.TaskInterrupted(logger, task.Id, task.Project, task.Owner, task.ContainerId);
        }

        return interrupted;
    }

    public Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync(async connection =>
        {
            using var select = Command(connection, null, $"SELECT {Columns} FROM tasks WHERE id = $id;");
            select.Parameters.AddWithValue("$id", id);
            return await ReadSingleAsync(select, cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<TaskRecord>> RecentAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return await ReadAsync(async connection =>
        {
            using var select = Command(connection, null, $"SELECT {Columns} FROM tasks ORDER BY seq DESC LIMIT $count;");
            select.Parameters.AddWithValue("$count", count);
            return await ReadAllAsync(select, cancellationToken);
        }, cancellationToken);
    }

    public async Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        var tasks = await ReadAsync(async connection =>
        {
            using var select = Command(connection, null, "");
            var where = new List<string>();
            if (query.Before is { } before)
            {
                where.Add("seq < $before");
                select.Parameters.AddWithValue("$before", before);
            }

            if (query.States is { } states)
            {
                var names = states.Select((state, i) => (Name: "$state" + i, Value: state.ToName())).ToList();
                where.Add($"state IN ({(names.Count == 0 ? "NULL" : string.Join(", ", names.Select(n => n.Name)))})");
                foreach (var (name, value) in names)
                {
                    select.Parameters.AddWithValue(name, value);
                }
            }

            if (query.Project is { } project)
            {
                where.Add("project = $project");
                select.Parameters.AddWithValue("$project", project);
            }

            if (query.Requester is { } requester)
            {
                // instr, not LIKE: the text is matched literally (no % or _ wildcards), case folded the same way as .NET for ASCII.
                where.Add("instr(lower(requester), lower($requester)) > 0");
                select.Parameters.AddWithValue("$requester", requester);
            }

            select.CommandText = $"SELECT {SummaryColumns} FROM tasks {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY seq DESC LIMIT $limit;";
            select.Parameters.AddWithValue("$limit", query.Limit + 1);
            return await ReadAllAsync(select, cancellationToken);
        }, cancellationToken);

        // One row more than asked says whether anything older matches.
        return tasks.Count > query.Limit
            ? new TaskPage(tasks[..query.Limit], tasks[query.Limit - 1].Sequence)
            : new TaskPage(tasks, null);
    }

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            using var select = Command(connection, null, "SELECT queued, running FROM queue_counts WHERE id = 1;");
            using var reader = await select.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new QueueStats(reader.GetInt32(0), reader.GetInt32(1));
        }, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            using var select = Command(connection, null, "SELECT count(*) FROM sqlite_master;");
            return await select.ExecuteScalarAsync(cancellationToken);
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        // Closing the pooled connections lets the last one checkpoint the WAL and release the file.
        if (_connectionString is not null)
        {
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task InitializeCoreAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();

        await using (var connection = await OpenAsync(connectionString, cancellationToken))
        {
            var vacuumed = System.Diagnostics.Stopwatch.StartNew();
            if (await PrepareSpaceAsync(connection, cancellationToken))
            {
                Log.SwitchedToIncrementalVacuum(logger, _path, vacuumed.Elapsed.TotalMilliseconds);
            }

            var (from, to) = await SqliteSchema.MigrateAsync(connection, cancellationToken);
            Log.SchemaReady(logger, _path, from, to);
        }

        _writer = new SqliteWriteBatcher(token => OpenAsync(connectionString, token), logger);
        _connectionString = connectionString;
    }

    // Internal: the reply outbox shares the file and its single writer.
    /// <summary>Transactions committed by this store's writer so far (each one fsync under <c>synchronous=FULL</c>).</summary>
    internal long Commits => _writer?.Commits ?? 0;

    internal async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return await _writer!.WriteAsync((connection, transaction, _) => work(connection, transaction), cancellationToken);
    }

    internal async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(_connectionString!, cancellationToken);
        return await work(connection);
    }

    private static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var pragmas = connection.CreateCommand();

            // FULL: in WAL mode, NORMAL would let a power cut undo a commit we already answered 2xx for.
            pragmas.CommandText = $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A command for a statement the writer runs on every request, prepared once per connection and kept (never
    /// disposed by the caller): parsing and planning the SQL was about half of the writer's time per enqueue
    /// (dotnet-trace, issue 16). Only the writer's own connection, used by one batch at a time, may ask for one.
    /// </summary>
    internal static SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var commands = PreparedCommands.GetOrCreateValue(connection);
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            commands[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static async Task<int> PositionAsync(
        SqliteConnection connection, SqliteTransaction transaction, long seq, CancellationToken cancellationToken)
    {
        // Its place in the global line: queued tasks enqueued before it, plus one. Per-project exclusivity can
        // let a later task of another project start sooner, so this is an upper bound on the wait, not a promise.
        using var count = Command(connection, transaction, "SELECT count(*) FROM tasks WHERE state = 'queued' AND seq <= $seq;");
        count.Parameters.AddWithValue("$seq", seq);
        return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task<TaskRecord?> ReadSingleAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    private static async Task<List<TaskRecord>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var records = new List<TaskRecord>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadRecord(reader));
        }

        return records;
    }

    private static TaskRecord ReadRecord(SqliteDataReader reader) => new()
    {
        Sequence = reader.GetInt64(0),
        Id = reader.GetString(1),
        Platform = reader.GetString(2),
        Command = reader.GetString(3),
        Args = JsonSerializer.Deserialize(reader.GetString(4), QueueJsonContext.Default.StringArray) ?? [],
        Project = reader.GetString(5),
        ProjectPath = reader.GetString(6),
        Requester = reader.GetString(7),
        Repository = NullableString(reader, 8),
        DedupeKey = NullableString(reader, 9),
        ReplyContext = NullableString(reader, 10),
        State = TaskStateNames.Parse(reader.GetString(11)),
        CancelRequested = reader.GetInt64(12) != 0,
        ExitCode = reader.IsDBNull(13) ? null : reader.GetInt32(13),
        Error = NullableString(reader, 14),
        Output = NullableString(reader, 15),
        Owner = NullableString(reader, 16),
        ContainerId = NullableString(reader, 17),
        CreatedAt = FromUnixMs(reader.GetInt64(18)),
        StartedAt = reader.IsDBNull(19) ? null : FromUnixMs(reader.GetInt64(19)),
        FinishedAt = reader.IsDBNull(20) ? null : FromUnixMs(reader.GetInt64(20)),
        Git = reader.IsDBNull(21) ? null : JsonSerializer.Deserialize(reader.GetString(21), QueueJsonContext.Default.TaskGitResult),
        Worktree = reader.GetInt64(22) != 0,
        TraceParent = NullableString(reader, 23),
        OutputObject = reader.IsDBNull(24) ? null : JsonSerializer.Deserialize(reader.GetString(24), QueueJsonContext.Default.TaskOutputObject),
    };

    private static string? NullableString(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // Unix milliseconds: compact, sortable, and what a Redis backend would store too.
    private static long ToUnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Task queue ready at {Path} (schema version {FromVersion} -> {ToVersion})")]
        public static partial void SchemaReady(ILogger logger, string path, int fromVersion, int toVersion);

        [LoggerMessage(2, LogLevel.Warning, "Task queue full ({Capacity} queued or running); refusing new tasks")]
        public static partial void QueueFull(ILogger logger, int capacity);

        [LoggerMessage(4, LogLevel.Information, "Task queue {Path} switched to incremental vacuum (rewritten once in {DurationMs} ms)")]
        public static partial void SwitchedToIncrementalVacuum(ILogger logger, string path, double durationMs);

        [LoggerMessage(3, LogLevel.Warning, "Task {TaskId} for project {Project} was running under {Owner} when the runner stopped; marked interrupted (container {ContainerId})")]
        public static partial void TaskInterrupted(ILogger logger, string taskId, string project, string? owner, string? containerId);
    }
}
