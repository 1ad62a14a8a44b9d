using System.Threading.RateLimiting;
using Codeur.Gateway.Http;
using Microsoft.Extensions.Options;

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

/// <summary>
/// The per-address limiter, a singleton so that its partitions outlive requests and are disposed with the host. The
/// limit is part of the partition key: after a reload that changes <c>address_rate_limit</c>, addresses count afresh
/// under the new limit and the old partitions are evicted once idle.
/// </summary>
internal sealed class AddressRateLimiter(IOptionsMonitor<GatewayRateLimitOptions> options, TimeProvider time) : IDisposable
{
    public PartitionedRateLimiter<HttpContext> Limiter { get; } = PartitionedRateLimiter.Create<HttpContext, (int Limit, string Address)>(context =>
        RateLimitPartition.Get(
            (options.CurrentValue.PerAddress, ClientKey.For(context.Connection.RemoteIpAddress)),
            partition => new WindowRateLimiter(partition.Item1, TimeSpan.FromMinutes(1), time)));

    public void Dispose() => Limiter.Dispose();
}
