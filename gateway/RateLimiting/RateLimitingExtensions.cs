using System.Threading.RateLimiting;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Http;
using Codeur.Gateway.Observability;
using Codeur.Hosting;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.RateLimiting;

internal static class RateLimitingExtensions
{
    public const string IdentityPolicy = "identity";

    /// <summary>
    /// After authentication, through ASP.NET Core's rate limiting middleware: <c>rate_limit</c> requests per minute per
    /// bearer token (or per address for anonymous requests), <c>source_rate_limit</c> per source of signed platform
    /// traffic (see <see cref="RequestSource"/>); before it, <c>address_rate_limit</c> per client address. With
    /// <c>queue.backend: redis</c> the post-authentication counts are shared by every gateway (see
    /// <see cref="SharedIdentityRateLimiter"/>). The limits follow the live configuration: a partition is keyed by its
    /// limit as well, so a changed limit starts fresh partitions and the old ones are evicted once idle.
    /// </summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services)
    {
        services.AddAgentOptions<GatewayRateLimitOptions>((options, config) => options.Configure(config));
        services.AddSingleton<AddressRateLimiter>();
        services.AddSingleton<SharedRateLimitStore>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedRateLimitStore>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(IdentityPolicy, context =>
            {
                var services = context.RequestServices;
                var subject = RateLimitSubject.For(context, services.GetRequiredService<IOptionsMonitor<GatewayRateLimitOptions>>().CurrentValue);
                context.Features.Set(subject);
                return RateLimitPartition.Get((subject.Limit, subject.Key), partition => SharedIdentityRateLimiter.For(
                    partition.Key,
                    partition.Limit,
                    services.GetRequiredService<TimeProvider>(),
                    services.GetRequiredService<SharedRateLimitStore>(),
                    services.GetRequiredService<GatewayMetrics>()));
            });
            options.OnRejected = (rejected, _) =>
            {
                var context = rejected.HttpContext;
                rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
                var subject = context.Features.Get<RateLimitSubject>();
                var rejection = context.RequestServices.GetRequiredService<Rejection>();
                return new ValueTask(rejection.RejectAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited",
                    subject is null ? "rate limit exceeded" : $"rate limit of {subject.Limit} requests per minute exceeded for this {subject.Kind}", retryAfter));
            };
        });
        return services;
    }

    public static IApplicationBuilder UseAddressRateLimit(this IApplicationBuilder app) => app.UseMiddleware<AddressRateLimitMiddleware>();
}
