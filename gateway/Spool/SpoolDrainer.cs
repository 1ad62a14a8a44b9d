using System.Globalization;
using System.Net.Http.Headers;
using Codeur.Audit;
using Codeur.Configuration;
using Codeur.Gateway.Forwarding;

namespace Codeur.Gateway.Spool;

/// <summary>
/// Forwards spooled requests to the runner, oldest first and one at a time (so per project they arrive in order),
/// once the runner answers <c>/health</c>. An entry leaves the spool only on a definitive answer (2xx, 4xx, or a
/// 500 that a retry would not change); a refusal, an unreachable runner or 502/503/504 keeps it and waits. A crash
/// between the runner's answer and the removal forwards the entry again after the restart: the runner dedupes on
/// the platform's delivery id or on <see cref="SpoolHeaders.RequestId"/>, so it becomes a task at most once.
/// </summary>
internal sealed partial class SpoolDrainer(
    ISpoolStore store,
    SpoolSignal signal,
    SpoolMetrics metrics,
    IHttpClientFactory clients,
    AgentConfig config,
    AuditLog audit,
    TimeProvider time,
    ILogger<SpoolDrainer> logger) : BackgroundService
{
    public const string ClientName = "spool-drain";

    private const int Batch = 32;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly Uri _runner = new(config.Webhook.Runner.Url);
    private readonly string? _internalToken = config.Webhook.Runner.InternalToken;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = MinBackoff;
        var runnerAway = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = Idle;
            try
            {
                var stats = await store.ReadStatsAsync(stoppingToken);
                metrics.Stats = stats;
                if (stats.Entries > 0 && await store.TryLeadAsync(stoppingToken))
                {
                    if (await RunnerAnswersAsync(stoppingToken))
                    {
                        if (runnerAway)
                        {
                            Log.RunnerBack(logger, stats.Entries);
                            runnerAway = false;
                        }

                        var drained = await DrainBatchAsync(stoppingToken);
                        backoff = MinBackoff;
                        metrics.Stats = await store.ReadStatsAsync(stoppingToken);
                        wait = drained ? TimeSpan.Zero : backoff;
                    }
                    else
                    {
                        runnerAway = true;
                        wait = backoff;
                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    }
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The store is away (Redis down, a disk error): keep what is spooled, try again shortly.
                Log.DrainFailed(logger, ex);
                wait = MaxBackoff;
            }

            if (wait > TimeSpan.Zero)
            {
                await signal.WaitAsync(wait, time, stoppingToken);
            }
        }
    }

    /// <summary>Forwards the oldest entries until the spool is empty or the runner stops answering; false if it stopped.</summary>
    private async Task<bool> DrainBatchAsync(CancellationToken cancellationToken)
    {
        var entries = await store.PeekAsync(Batch, cancellationToken);
        foreach (var entry in entries)
        {
            var status = await ForwardAsync(entry.Request, cancellationToken);
            if (status is null or 502 or 503 or 504)
            {
                return false;
            }

            await store.RemoveAsync(entry, cancellationToken);
            var waited = time.GetUtcNow() - entry.Request.ArrivedAt;
            metrics.Drained(entry.Request.Platform, status.Value, waited);
            audit.Write(new AuditRecord("webhook_drained")
            {
                Level = status.Value >= 500 ? "error" : "info",
                Platform = entry.Request.Platform,
                User = entry.Request.Identity,
                SpoolId = entry.Request.Id,
                Status = status.Value,
                DurationMs = waited.TotalMilliseconds,
                Method = entry.Request.Method,
                Path = entry.Request.Path,
                RemoteAddress = entry.Request.RemoteAddress,
            });

            // Lets another gateway's lease lapse into ours only between entries, never mid-request.
            if (!await store.TryLeadAsync(cancellationToken))
            {
                return false;
            }
        }

        return entries.Count > 0;
    }

    /// <summary>The runner's status code, or null when it could not be reached.</summary>
    private async Task<int?> ForwardAsync(SpooledRequest spooled, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(spooled.Method), new Uri(_runner, spooled.Path))
        {
            Content = new ByteArrayContent(spooled.Body),
        };

        foreach (var (name, value) in spooled.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(value, out var type) ? type : null;
            }
            else if (SpoolHeaders.Carried.Contains(name))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (_internalToken is not null)
        {
            request.Headers.TryAddWithoutValidation(ForwardingHeaders.InternalToken, _internalToken);
        }

        request.Headers.TryAddWithoutValidation(ForwardingHeaders.Platform, spooled.Platform);
        if (spooled.Identity is not null)
        {
            request.Headers.TryAddWithoutValidation(ForwardingHeaders.Identity, spooled.Identity);
            request.Headers.TryAddWithoutValidation(ForwardingHeaders.AuthMethod, spooled.AuthMethod);
        }

        request.Headers.TryAddWithoutValidation(SpoolHeaders.RequestId, spooled.Id);
        request.Headers.TryAddWithoutValidation(SpoolHeaders.SpooledAt, spooled.ArrivedAt.ToString("O", CultureInfo.InvariantCulture));
        if (spooled.RemoteAddress is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", spooled.RemoteAddress);
        }

        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 500)
            {
                Log.RunnerFailed(logger, spooled.Id, await response.Content.ReadAsStringAsync(cancellationToken));
            }

            return status;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<bool> RunnerAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Any answer will do: a runner whose engine is away still takes requests (it queues them).
            using var response = await clients.CreateClient(ClientName).GetAsync(new Uri(_runner, "/health"), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(920, LogLevel.Information, "Spool: the runner answers again; forwarding {Count} spooled requests")]
        public static partial void RunnerBack(ILogger logger, long count);

        [LoggerMessage(921, LogLevel.Error, "Spool: draining failed; spooled requests are kept and tried again")]
        public static partial void DrainFailed(ILogger logger, Exception exception);

        [LoggerMessage(922, LogLevel.Error, "Spool: the runner answered 500 to spooled request {SpoolId}; it is removed (a retry would not change it): {Body}")]
        public static partial void RunnerFailed(ILogger logger, string spoolId, string body);
    }
}
