using System.Threading.RateLimiting;
using Codeur.Gateway.Http;

namespace Codeur.Gateway.RateLimiting;

/// <summary>
/// A cheap per-address limit that runs before bodies are read or signatures verified, so an unauthenticated
/// flood costs us a dictionary lookup, not an HMAC. Partitions idle for a while are evicted by the framework.
/// </summary>
internal sealed class AddressRateLimitMiddleware(RequestDelegate next, AddressRateLimiter limiter, Rejection rejection)
{
    public async Task InvokeAsync(HttpContext context)
    {
        using var lease = limiter.Limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }

        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
        await rejection.RejectAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited", "too many requests from this address", retryAfter);
    }
}

/// <summary>The per-address limiter, a singleton so that its partitions outlive requests and are disposed with the host.</summary>
internal sealed class AddressRateLimiter(int permitsPerMinute, TimeProvider time) : IDisposable
{
    public PartitionedRateLimiter<HttpContext> Limiter { get; } = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        RateLimitPartition.Get(ClientKey.For(context.Connection.RemoteIpAddress), _ => new WindowRateLimiter(permitsPerMinute, TimeSpan.FromMinutes(1), time)));

    public void Dispose() => Limiter.Dispose();
}
