using Codeur.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Codeur.Gateway.RateLimiting;

/// <summary>
/// The Redis connection that every gateway shares its per-identity counts through: <c>queue.connection</c> when
/// <c>queue.backend</c> is <c>redis</c> (one Redis per deployment), none otherwise. Commands fail fast while Redis is
/// unreachable (no backlog), so a request never waits for a reconnect: the limit then fails open to the local one.
/// </summary>
internal sealed partial class SharedRateLimitStore(AgentConfig config, ILogger<SharedRateLimitStore> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>Longest a request waits for the shared count before the local limit decides alone.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    private ConnectionMultiplexer? _redis;
    private long _lastWarning;

    public bool Enabled { get; } = config.Webhook.Queue.Backend == "redis" && !string.IsNullOrWhiteSpace(config.Webhook.Queue.Connection);

    public IConnectionMultiplexer Multiplexer => _redis ?? throw new InvalidOperationException("the shared rate-limit store is not connected yet");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var options = ConfigurationOptions.Parse(config.Webhook.Queue.Connection!);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 3000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, (int)Timeout.TotalMilliseconds);
        _redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
        if (!_redis.IsConnected)
        {
            Log.Unreachable(logger, "not connected at start");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Logs that the shared limit failed open, at most once every ten seconds.</summary>
    public void FailedOpen(Exception exception)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarning);
        if (now - last > 10_000 && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            Log.Unreachable(logger, exception.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Warning, "Shared rate-limit store (Redis) unreachable ({Reason}); per-identity limits fall back to this gateway's own count")]
        public static partial void Unreachable(ILogger logger, string reason);
    }
}

/// <summary>/health on the gateway names Redis when the deployment shares it and it does not answer.</summary>
internal sealed class RedisHealthCheck(SharedRateLimitStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!store.Enabled)
        {
            return HealthCheckResult.Healthy("not used (queue.backend is not redis)");
        }

        try
        {
            await store.Multiplexer.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy("redis answers");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "redis unreachable: " + ex.Message);
        }
    }
}
