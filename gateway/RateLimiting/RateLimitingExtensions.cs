using System.Threading.RateLimiting;
using Codeur.Configuration;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Http;
using Codeur.Gateway.Observability;

namespace Codeur.Gateway.RateLimiting;

internal static class RateLimitingExtensions
{
    public const string IdentityPolicy = "identity";

    /// <summary>
    /// <c>rate_limit</c> requests per minute per verified identity (token name or platform) through ASP.NET Core's
    /// rate limiting middleware, and <c>address_rate_limit</c> per client address in front of authentication. With
    /// <c>queue.backend: redis</c> the per-identity count is shared by every gateway (see <see cref="SharedIdentityRateLimiter"/>).
    /// </summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, AgentConfig config)
    {
        var perIdentity = config.Webhook.RateLimit;
        services.AddSingleton(sp => new AddressRateLimiter(config.Webhook.AddressRateLimit, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SharedRateLimitStore>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedRateLimitStore>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(IdentityPolicy, context =>
            {
                var services = context.RequestServices;
                var key = context.GetIdentityName() ?? ClientKey.For(context.Connection.RemoteIpAddress);
                return RateLimitPartition.Get(key, partition => SharedIdentityRateLimiter.For(
                    partition,
                    perIdentity,
                    services.GetRequiredService<TimeProvider>(),
                    services.GetRequiredService<SharedRateLimitStore>(),
                    services.GetRequiredService<GatewayMetrics>()));
            });
            options.OnRejected = (rejected, _) =>
            {
                rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
                var rejection = rejected.HttpContext.RequestServices.GetRequiredService<Rejection>();
                return new ValueTask(rejection.RejectAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"rate limit of {perIdentity} requests per minute exceeded for this identity", retryAfter));
            };
        });
        return services;
    }

    public static IApplicationBuilder UseAddressRateLimit(this IApplicationBuilder app) => app.UseMiddleware<AddressRateLimitMiddleware>();
}
