using System.Threading.RateLimiting;
using Codeur.Configuration;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Http;

namespace Codeur.Gateway.RateLimiting;

internal static class RateLimitingExtensions
{
    public const string IdentityPolicy = "identity";

    /// <summary>
    /// <c>rate_limit</c> requests per minute per verified identity (token name or platform) through ASP.NET Core's
    /// rate limiting middleware, and <c>address_rate_limit</c> per client address in front of authentication.
    /// </summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, AgentConfig config)
    {
        var perIdentity = config.Webhook.RateLimit;
        services.AddSingleton(sp => new AddressRateLimiter(config.Webhook.AddressRateLimit, sp.GetRequiredService<TimeProvider>()));
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(IdentityPolicy, context =>
            {
                var time = context.RequestServices.GetRequiredService<TimeProvider>();
                var key = context.GetIdentityName() ?? ClientKey.For(context.Connection.RemoteIpAddress);
                return RateLimitPartition.Get(key, _ => new WindowRateLimiter(perIdentity, TimeSpan.FromMinutes(1), time));
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
