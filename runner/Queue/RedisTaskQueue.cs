using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Codeur.Configuration;
using StackExchange.Redis;

namespace Codeur.Runner.Queue;

/// <summary>
/// The scaled-out queue: task records, dedupe keys, per-project locks and a claim ledger (a stream with one consumer
/// group per deployment) in Redis, shared by every runner and every intake. Each operation is one Lua script (see
/// <see cref="RedisQueueScripts"/>), so it is atomic on the server.
/// </summary>
/// <remarks>
/// Durability is Redis's: with <c>appendonly yes</c> and <c>appendfsync always</c> an accepted task survives a Redis
/// crash as it survives a power cut with SQLite; with <c>everysec</c> up to a second of acceptances can be lost.
/// Fencing: each claim gets a new token, kept here per task; begin, container, release and completion carry it, so a
/// runner whose lease lapsed and whose task was taken over cannot change the task any more.
/// </remarks>
internal sealed partial class RedisTaskQueue : ITaskQueue, ILeasedTaskQueue, IAsyncDisposable, IDisposable
{
    /// <summary>The key prefix in production; the braces are a cluster hash tag, so all keys share one slot.</summary>
    public const string DefaultPrefix = "{codeur}";

    private readonly string _connection;
    private readonly string _prefix;
    private readonly RedisKey[] _keys;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisTaskQueue> _logger;
    private readonly ConcurrentDictionary<string, string> _fences = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private ConnectionMultiplexer? _redis;
    private readonly TimeSpan _longestRun;
    private volatile bool _groupReady;

    public RedisTaskQueue(QueueSection options, TimeProvider time, ILogger<RedisTaskQueue> logger, string prefix = DefaultPrefix, int taskTimeoutSeconds = 300)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Connection);
        _connection = options.Connection;
        _capacity = options.Capacity;
        Lease = TimeSpan.FromSeconds(options.Lease);

        // How long after its claim a task's container can still be alive: its deadline, plus a lease of slack.
        _longestRun = TimeSpan.FromSeconds(taskTimeoutSeconds) + Lease;
        _time = time;
        _logger = logger;
        _prefix = prefix;
        _keys = [prefix + ":stream"];
    }

    public bool IsShared => true;

    public TimeSpan Lease { get; }

    /// <summary>Connects and creates the consumer group (idempotent). Safe to call repeatedly.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken);
        try
        {
            await db.StreamCreateConsumerGroupAsync(_keys[0], RedisQueueScripts.Group, StreamPosition.NewMessages, createStream: true)
                .WaitAsync(cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
        }

        _groupReady = true;
    }

    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var now = _time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var args = new List<RedisValue>
        {
            _prefix, id, _capacity, task.DedupeKey ?? "", ProjectLock.ScopeOf(task),
            "id", id,
            "platform", task.Platform,
            "command", task.Command,
            "args", JsonSerializer.Serialize(task.Args.ToArray(), QueueJsonContext.Default.StringArray),
            "project", task.Project,
            "project_path", task.ProjectPath,
            "requester", task.Requester,
            "created_at", now.ToUnixTimeMilliseconds(),
        };
        AddIfSet(args, "repository", task.Repository);
        AddIfSet(args, "dedupe_key", task.DedupeKey);
        AddIfSet(args, "reply_context", task.ReplyContext);
        AddIfSet(args, "worktree", task.Worktree ? "1" : null);
        AddIfSet(args, "trace_parent", task.TraceParent);

        var result = (RedisResult[])(await EvalAsync(RedisQueueScripts.Enqueue, [.. args], cancellationToken))!;
        var status = (string)result[0]!;
        var position = (int)result[1];
        switch (status)
        {
            case "created":
                return new EnqueueResult(EnqueueStatus.Created, ReadRecord(result[2]), position);
            case "duplicate":
                return new EnqueueResult(EnqueueStatus.Duplicate, ReadRecord(result[2]), position);
            default:
                Log.QueueFull(_logger, _capacity);
                return new EnqueueResult(EnqueueStatus.Full, null);
        }
    }

    public async Task<TaskRecord?> ClaimNextAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var result = await EvalAsync(
            RedisQueueScripts.Claim,
            [_prefix, owner, Now(), (long)Lease.TotalMilliseconds],
            cancellationToken);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        var record = ReadRecord(parts[1]);
        _fences[record.Id] = (string)parts[0]!;
        return record;
    }

    public async Task<TaskRecord?> BeginAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Fence(id) is not { } fence)
        {
            return null;
        }

        var result = await EvalAsync(RedisQueueScripts.Begin, [_prefix, id, fence], cancellationToken);
        return result.IsNull ? null : ReadRecord(result);
    }

    public async Task SetContainerAsync(string id, string containerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        if (Fence(id) is { } fence)
        {
            await EvalAsync(RedisQueueScripts.SetContainer, [_prefix, id, fence, containerId], cancellationToken);
        }
    }

    public async Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        // Let go of the claim first, so the heartbeat cannot see the task leave mid-way and report it taken over.
        if (!_fences.TryRemove(id, out var fence))
        {
            return false;
        }

        return (int)await EvalAsync(RedisQueueScripts.Release, [_prefix, id, fence], cancellationToken) == 1;
    }

    public async Task<bool> CompleteAsync(string id, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(outcome);
        if (!TaskStateNames.IsFinal(outcome.State))
        {
            throw new ArgumentException($"a task can only complete in a final state, not {outcome.State}", nameof(outcome));
        }

        // Not claimed through this runner, or taken over since: not this runner's to complete. Let go of the claim
        // first, so the heartbeat cannot see the task finish mid-way and report it taken over.
        if (!_fences.TryRemove(id, out var fence))
        {
            return false;
        }

        var args = new List<RedisValue> { _prefix, id, fence, "state", outcome.State.ToName(), "finished_at", Now() };
        AddIfSet(args, "exit_code", outcome.ExitCode?.ToString(CultureInfo.InvariantCulture));
        AddIfSet(args, "output", outcome.Output);
        AddIfSet(args, "error", outcome.Error);
        AddIfSet(args, "git", outcome.Git is null ? null : JsonSerializer.Serialize(outcome.Git, QueueJsonContext.Default.TaskGitResult));
        AddIfSet(args, "output_object", outcome.OutputObject is null ? null : JsonSerializer.Serialize(outcome.OutputObject, QueueJsonContext.Default.TaskOutputObject));
        return (int)await EvalAsync(RedisQueueScripts.Complete, [.. args], cancellationToken) == 1;
    }

    public async Task<TaskRecord?> RequestCancelAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var result = await EvalAsync(RedisQueueScripts.Cancel, [_prefix, id, Now()], cancellationToken);
        return result.IsNull ? null : ReadRecord(result);
    }

    public async Task<IReadOnlyList<TaskRecord>> InterruptRunningAsync(string? owner, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await EvalAsync(
            RedisQueueScripts.InterruptRunning,
            [_prefix, owner ?? "", Now(), SqliteTaskQueue.InterruptedError],
            cancellationToken))!;
        var records = result.Select(ReadRecord).OrderBy(r => r.Sequence).ToList();
        foreach (var task in records)
        {
            _fences.TryRemove(task.Id, out _);
            Log.TaskInterrupted(_logger, task.Id, task.Project, task.Owner, task.ContainerId);
        }

        return records;
    }

    public async Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var db = await DatabaseAsync(cancellationToken);
        var fields = await db.HashGetAllAsync(_prefix + ":task:" + id).WaitAsync(cancellationToken);
        return fields.Length == 0 ? null : ReadRecord(fields.ToDictionary(f => (string)f.Name!, f => (string?)f.Value, StringComparer.Ordinal));
    }

    public async Task<IReadOnlyList<TaskRecord>> RecentAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }

        var result = (RedisResult[])(await EvalAsync(RedisQueueScripts.Recent, [_prefix, count], cancellationToken))!;
        return [.. result.Select(ReadRecord)];
    }

    /// <summary>Tasks examined per script call at most: a filter that matches little never holds the server for long.</summary>
    internal const int ListBudget = 1000;

    public async Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        var states = query.States is null ? "" : string.Join(',', query.States.Select(s => s.ToName()));
        if (query.States is { Count: 0 })
        {
            return new TaskPage([], null);
        }

        var result = (RedisResult[])(await EvalAsync(RedisQueueScripts.List,
            [_prefix, query.Before?.ToString(CultureInfo.InvariantCulture) ?? "", query.Limit, ListBudget, states, query.Project ?? "",
                AsciiLower(query.Requester)],
            cancellationToken))!;
        var next = (string?)result[^1];
        return new TaskPage(
            [.. result[..^1].Select(ReadRecord)],
            string.IsNullOrEmpty(next) ? null : (long)double.Parse(next, CultureInfo.InvariantCulture));
    }

    // Lua's string.lower folds ASCII only; fold the needle the same way so both sides agree.
    private static string AsciiLower(string? text) =>
        text is null ? "" : string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is >= 'A' and <= 'Z' ? (char)(source[i] + 32) : source[i];
            }
        });

    public async Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken);
        var batch = db.CreateBatch();
        var queued = batch.SortedSetLengthAsync(_prefix + ":queued");
        var running = batch.SortedSetLengthAsync(_prefix + ":running");
        batch.Execute();
        await Task.WhenAll(queued, running).WaitAsync(cancellationToken);
        return new QueueStats((int)queued.Result, (int)running.Result);
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken);
        await db.PingAsync().WaitAsync(cancellationToken);
    }

    public async Task<RenewResult> RenewAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var args = new List<RedisValue> { _prefix, owner, (long)Lease.TotalMilliseconds };
        foreach (var (id, fence) in _fences)
        {
            args.Add(id);
            args.Add(fence);
        }

        var result = (RedisResult[])(await EvalAsync(RedisQueueScripts.Renew, [.. args], cancellationToken))!;
        var lost = ((RedisResult[])result[0]!).Select(r => (string)r!).ToList();
        var cancel = ((RedisResult[])result[1]!).Select(r => (string)r!).ToList();
        foreach (var id in lost)
        {
            _fences.TryRemove(id, out _);
        }

        return new RenewResult(lost, cancel);
    }

    public async Task<ReclaimResult> ReclaimAsync(string sweeper, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sweeper);
        var result = (RedisResult[])(await EvalAsync(
            RedisQueueScripts.Reclaim,
            [_prefix, sweeper, Now(), (long)Lease.TotalMilliseconds, SqliteTaskQueue.InterruptedError, (long)_longestRun.TotalMilliseconds],
            cancellationToken))!;
        var interrupted = ((RedisResult[])result[0]!).Select(r => (string)r!).ToList();
        var released = ((RedisResult[])result[1]!).Select(r => (string)r!).ToList();
        foreach (var id in interrupted)
        {
            Log.Reclaimed(_logger, id, "interrupted (its container had started)");
        }

        foreach (var id in released)
        {
            Log.Reclaimed(_logger, id, "back in line (it had not started)");
        }

        return new ReclaimResult(interrupted, released);
    }

    public async Task<bool> UnfenceAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return (int)await EvalAsync(RedisQueueScripts.Unfence, [_prefix, id], cancellationToken) == 1;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _connectLock.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        if (_redis is { } ready)
        {
            return ready.GetDatabase();
        }

        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_redis is null)
            {
                var options = ConfigurationOptions.Parse(_connection);

                // Start (and keep retrying in the background) while Redis is down: /health says so meanwhile.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
                options.SyncTimeout = Math.Min(options.SyncTimeout, 5000);
                options.AsyncTimeout = Math.Min(options.AsyncTimeout, 5000);
                _redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
            }

            return _redis.GetDatabase();
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<RedisResult> EvalAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
    {
        if (!_groupReady)
        {
            await InitializeAsync(cancellationToken);
        }

        var db = await DatabaseAsync(cancellationToken);
        return await db.ScriptEvaluateAsync(script, _keys, args).WaitAsync(cancellationToken);
    }

    /// <summary>The fencing token of this runner's claim on the task; null when it holds no claim on it.</summary>
    private string? Fence(string id) => _fences.TryGetValue(id, out var fence) ? fence : null;

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static void AddIfSet(List<RedisValue> args, string field, string? value)
    {
        if (value is not null)
        {
            args.Add(field);
            args.Add(value);
        }
    }

    private static TaskRecord ReadRecord(RedisResult result)
    {
        var flat = (RedisResult[])result!;
        var fields = new Dictionary<string, string?>(flat.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            fields[(string)flat[i]!] = (string?)flat[i + 1];
        }

        return ReadRecord(fields);
    }

    private static TaskRecord ReadRecord(Dictionary<string, string?> f) => new()
    {
        Id = f["id"]!,
        Sequence = long.Parse(f["seq"]!, CultureInfo.InvariantCulture),
        Platform = f["platform"]!,
        Command = f["command"]!,
        Args = JsonSerializer.Deserialize(f["args"]!, QueueJsonContext.Default.StringArray) ?? [],
        Project = f["project"]!,
        ProjectPath = f["project_path"]!,
        Requester = f["requester"]!,
        Repository = f.GetValueOrDefault("repository"),
        DedupeKey = f.GetValueOrDefault("dedupe_key"),
        ReplyContext = f.GetValueOrDefault("reply_context"),
        Worktree = f.GetValueOrDefault("worktree") == "1",
        TraceParent = f.GetValueOrDefault("trace_parent"),
        State = TaskStateNames.Parse(f["state"]!),
        CancelRequested = f.GetValueOrDefault("cancel_requested") == "1",
        ExitCode = f.GetValueOrDefault("exit_code") is { } code ? int.Parse(code, CultureInfo.InvariantCulture) : null,
        Error = f.GetValueOrDefault("error"),
        Output = f.GetValueOrDefault("output"),
        Owner = f.GetValueOrDefault("owner"),
        ContainerId = f.GetValueOrDefault("container_id"),
        Git = f.GetValueOrDefault("git") is { } git ? JsonSerializer.Deserialize(git, QueueJsonContext.Default.TaskGitResult) : null,
        OutputObject = f.GetValueOrDefault("output_object") is { } stored ? JsonSerializer.Deserialize(stored, QueueJsonContext.Default.TaskOutputObject) : null,
        CreatedAt = Time(f["created_at"])!.Value,
        StartedAt = Time(f.GetValueOrDefault("started_at")),
        FinishedAt = Time(f.GetValueOrDefault("finished_at")),
    };

    private static DateTimeOffset? Time(string? ms) =>
        ms is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, CultureInfo.InvariantCulture));

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Warning, "Task queue full ({Capacity} queued or running); refusing new tasks")]
        public static partial void QueueFull(ILogger logger, int capacity);

        [LoggerMessage(11, LogLevel.Warning, "Task {TaskId} for project {Project} was running under {Owner} when the runner stopped; marked interrupted (container {ContainerId})")]
        public static partial void TaskInterrupted(ILogger logger, string taskId, string project, string? owner, string? containerId);

        [LoggerMessage(12, LogLevel.Warning, "Task {TaskId} was held by a runner whose lease lapsed: {What}")]
        public static partial void Reclaimed(ILogger logger, string taskId, string what);
    }
}
