using Codeur.Hosting;

namespace Codeur.Gateway.Network;

internal static class NetworkExtensions
{
    /// <summary><c>trusted_proxies</c> and <c>ip_allowlist</c>, both following the live configuration.</summary>
    public static IServiceCollection AddClientAddress(this IServiceCollection services)
    {
        services.AddAgentOptions<ClientAddressOptions>((options, config) => options.Configure(config));
        return services;
    }

    /// <summary>Believe <c>X-Forwarded-For</c>/<c>-Proto</c> only from <c>trusted_proxies</c>, then apply <c>ip_allowlist</c>.</summary>
    public static IApplicationBuilder UseClientAddress(this IApplicationBuilder app) =>
        app.UseMiddleware<TrustedProxyMiddleware>().UseMiddleware<IpAllowlistMiddleware>();
}
