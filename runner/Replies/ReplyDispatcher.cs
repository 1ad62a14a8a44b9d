using Codeur.Audit;
using Codeur.Runner.Observability;
using Codeur.Runner.Workers;

namespace Codeur.Runner.Replies;

/// <summary>
/// Delivers the outbox: pending replies that are due, a few at once (never two of one task), each through its
/// platform's sender. A failed attempt is retried with back-off (or when the platform's <c>Retry-After</c> says)
/// until the reply expires; every failure is metered and logged, and a reply given up is audited.
/// </summary>
internal sealed partial class ReplyDispatcher(
    IReplyOutbox outbox,
    IServiceProvider services,
    RunnerMetrics metrics,
    AuditLog audit,
    Redactor redactor,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ReplyDispatcher> logger) : BackgroundService
{
    private const int Batch = 32;
    private const int Parallelism = 4;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan FinalPassBudget = TimeSpan.FromSeconds(5);

    private readonly WorkSignal _signal = new();

    /// <summary>Wakes the dispatcher: a reply was stored.</summary>
    public void Notify() => _signal.Notify();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var due = await outbox.DueAsync(time.GetUtcNow(), Batch, stoppingToken);
                if (due.Count == 0)
                {
                    await _signal.WaitAsync(IdlePoll, time, stoppingToken);
                    continue;
                }

                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken }, DeliverAsync);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Silence is what this component exists to prevent: a dead dispatcher stops the host so it is restarted.
            Log.DispatcherFailed(logger, ex);
            lifetime.StopApplication();
            throw;
        }

        // However the loop ended (mid-wait, between passes, or before its first one), stopping gets a last pass.
        await FinalPassAsync();
    }

    /// <summary>
    /// At shutdown, one bounded pass: the endings of tasks interrupted during the drain go out now rather than at the
    /// next start (the workers stop before this service). What does not make it stays in the outbox.
    /// </summary>
    private async Task FinalPassAsync()
    {
        using var budget = new CancellationTokenSource(FinalPassBudget);
        try
        {
            var due = await outbox.DueAsync(time.GetUtcNow(), Batch, budget.Token);
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = budget.Token }, DeliverAsync);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
        }
    }

    private async ValueTask DeliverAsync(StoredReply stored, CancellationToken stoppingToken)
    {
        var reply = stored.Reply;
        var kind = reply.Kind.ToName();
        using var span = RunnerTracing.StartReply(reply.TraceParent, reply.Platform, kind, reply.TaskId, stored.Attempts + 1);
        ReplyDelivery result;
        // Senders are typed HttpClients (transient): resolved per delivery so the factory can rotate their handlers.
        var sender = services.GetServices<IReplySender>().FirstOrDefault(s => s.Platform == reply.Platform);
        if (sender is null)
        {
            result = ReplyDelivery.GiveUp($"no sender for platform '{reply.Platform}'");
        }
        else
        {
            try
            {
                result = await sender.SendAsync(stored, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Network errors, timeouts, an open circuit, a surprising answer: all worth another try later.
                result = ReplyDelivery.Retry($"{ex.GetType().Name}: {ex.Message}");
            }
        }

        span?.SetTag("codeur.reply.delivered", result.Delivered);
        if (result.Delivered)
        {
            await outbox.DeliveredAsync(stored.Id, result.MessageRef, CancellationToken.None);
            metrics.ReplySent(reply.Platform, kind);
            audit.Write(new AuditRecord("reply_sent") { Platform = reply.Platform, TaskId = reply.TaskId, Reason = kind });
            Log.Delivered(logger, kind, reply.Platform, reply.TaskId, stored.Attempts + 1);
            return;
        }

        var error = redactor.Redact(result.Error ?? "unknown failure");
        span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
        metrics.ReplyFailed(reply.Platform, kind);
        var now = time.GetUtcNow();
        var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(stored.Attempts, 16))));
        var next = now + (result.RetryAfter is { } after && after > backoff ? after : backoff);
        if (result.Permanent || next > stored.ExpiresAt)
        {
            await outbox.FailedAsync(stored.Id, error, null, CancellationToken.None);
            metrics.ReplyExpired(reply.Platform, kind);
            audit.Write(new AuditRecord("reply_failed") { Level = "error", Platform = reply.Platform, TaskId = reply.TaskId, Reason = $"{kind}: {error}" });
            Log.GaveUp(logger, kind, reply.Platform, reply.TaskId, stored.Attempts + 1, error);
            return;
        }

        await outbox.FailedAsync(stored.Id, error, next, CancellationToken.None);
        Log.Retrying(logger, kind, reply.Platform, reply.TaskId, stored.Attempts + 1, (next - now).TotalSeconds, error);
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Information, "Reply {Kind} to {Platform} for task {TaskId} delivered (attempt {Attempt})")]
        public static partial void Delivered(ILogger logger, string kind, string platform, string? taskId, int attempt);

        [LoggerMessage(301, LogLevel.Warning, "Reply {Kind} to {Platform} for task {TaskId} failed (attempt {Attempt}); retrying in {Seconds} s: {Error}")]
        public static partial void Retrying(ILogger logger, string kind, string platform, string? taskId, int attempt, double seconds, string error);

        [LoggerMessage(302, LogLevel.Error, "Reply {Kind} to {Platform} for task {TaskId} given up after {Attempts} attempts: {Error}")]
        public static partial void GaveUp(ILogger logger, string kind, string platform, string? taskId, int attempts, string error);

        [LoggerMessage(303, LogLevel.Critical, "Reply dispatcher failed; stopping the runner so it is restarted")]
        public static partial void DispatcherFailed(ILogger logger, Exception exception);
    }
}
