using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Storage;

namespace Codeur.Runner.Retention;

/// <summary>
/// Prunes ended work on <c>queue.retention.interval</c> (first pass at start): ended tasks, then the outputs and dedupe
/// keys of those kept, then finished replies, then gives the space back. Every write is a batch of
/// <c>queue.retention.batch</c>, so intake interleaves with a pass instead of waiting for it. A store fault skips a
/// pass (logged); the next tick tries again.
/// </summary>
internal sealed partial class RetentionService(
    ITaskRetention store,
    IServiceProvider services,
    RunnerMetrics metrics,
    AgentConfig config,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    private readonly RetentionSection _options = config.Webhook.Queue.Retention;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(DurationText.Parse(_options.Interval), time);
        do
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (IsStoreFault(ex))
            {
                Log.PassFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass at the current time; returns what it did.</summary>
    public async Task<RetentionPass> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var cutoffs = new RetentionCutoffs(Cutoff(now, _options.Tasks), Cutoff(now, _options.Outputs), Cutoff(now, _options.DedupeKeys));
        var counts = await store.PruneAsync(cutoffs, _options.Batch, cancellationToken);

        // Resolved here, not injected: the outbox exists only when replies are configured, and after the queue.
        var outbox = services.GetService<IReplyOutbox>() as IReplyRetention;
        var replies = outbox is not null && Cutoff(now, _options.Replies) is { } replyCutoff
            ? await outbox.PruneAsync(replyCutoff, _options.Batch, cancellationToken)
            : 0;

        // Objects in storage.s3 go with the outputs that referenced them (the rows first: a row never points at a
        // deleted object for long). A bucket fault leaves the objects for the next pass: their keys still sort by time.
        var objects = 0;
        var storage = services.GetService<OutputStorage>();
        if (storage is { Enabled: true } && Latest(cutoffs.Outputs, cutoffs.Tasks) is { } objectCutoff)
        {
            try
            {
                objects = await storage.DeleteWrittenBeforeAsync(objectCutoff, cancellationToken);
            }
            catch (OutputStoreException ex)
            {
                Log.ObjectsFailed(logger, ex.Message);
            }
        }

        long reclaimed = 0;
        if (counts.Any || replies > 0)
        {
            reclaimed = await store.ReclaimAsync(cancellationToken);

            // With SQLite the outbox shares the queue's file, just reclaimed; with Redis it has a file of its own.
            if (outbox is not null && config.Webhook.Queue.Backend != "sqlite")
            {
                reclaimed += await outbox.ReclaimAsync(cancellationToken);
            }
        }

        var size = await store.SizeAsync(cancellationToken);
        metrics.Pruned("tasks", counts.Tasks);
        metrics.Pruned("outputs", counts.Outputs);
        metrics.Pruned("dedupe_keys", counts.DedupeKeys);
        metrics.Pruned("replies", replies);
        metrics.Pruned("output_objects", objects);
        metrics.StoreSize(size);
        var pass = new RetentionPass(counts, replies, reclaimed, size, time.GetElapsedTime(started)) { OutputObjects = objects };
        if (objects > 0)
        {
            Log.ObjectsDeleted(logger, objects);
        }

        if (counts.Any || replies > 0)
        {
            Log.Pruned(logger, counts.Tasks, counts.Outputs, counts.DedupeKeys, replies, reclaimed, size, pass.Duration.TotalMilliseconds);
        }

        return pass;
    }

    /// <summary>The later of two cutoffs (the one that prunes more); null when both kinds are kept forever.</summary>
    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTimeOffset? Cutoff(DateTimeOffset now, string period) =>
        DurationText.Parse(period) is { } keep && keep > TimeSpan.Zero ? now - keep : null;

    private static bool IsStoreFault(Exception ex) =>
        ex is System.Data.Common.DbException or IOException or StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException;

    private static partial class Log
    {
        [LoggerMessage(500, LogLevel.Information,
            "Retention: {Tasks} ended tasks deleted, {Outputs} outputs and {DedupeKeys} dedupe keys cleared, {Replies} replies deleted; {ReclaimedBytes} bytes given back, store {StoreBytes} bytes ({DurationMs} ms)")]
        public static partial void Pruned(ILogger logger, int tasks, int outputs, int dedupeKeys, int replies, long reclaimedBytes, long storeBytes, double durationMs);

        [LoggerMessage(501, LogLevel.Warning, "Retention pass skipped: the store failed ({Reason}); trying again at the next interval")]
        public static partial void PassFailed(ILogger logger, string reason);

        [LoggerMessage(503, LogLevel.Information, "Retention: {Objects} output objects deleted from the bucket")]
        public static partial void ObjectsDeleted(ILogger logger, int objects);

        [LoggerMessage(502, LogLevel.Warning, "Retention: output objects not deleted, the bucket failed ({Reason}); trying again at the next interval")]
        public static partial void ObjectsFailed(ILogger logger, string reason);
    }
}
