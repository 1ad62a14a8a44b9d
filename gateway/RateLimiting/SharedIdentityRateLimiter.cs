using System.Globalization;
using System.Threading.RateLimiting;
using Codeur.Gateway.Observability;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Codeur.Gateway.RateLimiting;

/// <summary>
/// One identity's <c>rate_limit</c> across every gateway: this gateway's own window in front (it turns away a burst
/// without a round trip), then the count shared in Redis (RedisRateLimiting's fixed window), so N gateways together
/// admit <c>rate_limit</c> per minute, not N times it.
/// </summary>
/// <remarks>
/// Redis unreachable or slower than <see cref="SharedRateLimitStore.Timeout"/>: this limit fails OPEN to the local
/// window, i.e. each gateway still enforces <c>rate_limit</c> on its own (the bound degrades to gateways × rate_limit,
/// never to unlimited), so authenticated users and platform webhooks keep working through a Redis blip. The
/// per-address limit never depends on Redis at all.
/// </remarks>
internal sealed class SharedIdentityRateLimiter(RateLimiter local, RateLimiter shared, SharedRateLimitStore store, GatewayMetrics metrics) : RateLimiter
{
    private static readonly RateLimitLease NotSynchronously = new SharedLease(false, null);

    public override TimeSpan? IdleDuration => local.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => local.GetStatistics();

    // The shared count needs a round trip: the rate-limiting middleware falls through to AcquireAsync.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotSynchronously;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var lease = local.AttemptAcquire(permitCount);
        if (!lease.IsAcquired)
        {
            return lease;
        }

        try
        {
            using var sharedLease = await shared.AcquireAsync(permitCount, cancellationToken).AsTask()
                .WaitAsync(SharedRateLimitStore.Timeout, cancellationToken);
            if (sharedLease.IsAcquired)
            {
                return lease;
            }

            lease.Dispose();
            return new SharedLease(false, RetryAfter(sharedLease));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            store.FailedOpen(ex);
            metrics.Error("rate_limit_shared_unavailable");
            return lease;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            local.Dispose();
            shared.Dispose();
        }

        base.Dispose(disposing);
    }

    // RedisRateLimiting reports Retry-After as whole seconds (an int); the rejection expects a TimeSpan.
    private static TimeSpan? RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter.Name, out var value) && value is not null
            ? TimeSpan.FromSeconds(Math.Max(1, Convert.ToDouble(value, CultureInfo.InvariantCulture)))
            : null;

    private sealed class SharedLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }

    /// <summary>The partition for one identity key: shared when the deployment has Redis, local only otherwise.</summary>
    public static RateLimiter For(string key, int perMinute, TimeProvider time, SharedRateLimitStore store, GatewayMetrics metrics)
    {
        var local = new WindowRateLimiter(perMinute, TimeSpan.FromMinutes(1), time);
        if (!store.Enabled)
        {
            return local;
        }

        var shared = new RedisFixedWindowRateLimiter<string>("codeur:identity:" + key, new RedisFixedWindowRateLimiterOptions
        {
            ConnectionMultiplexerFactory = () => store.Multiplexer,
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
        });
        return new SharedIdentityRateLimiter(local, shared, store, metrics);
    }
}
