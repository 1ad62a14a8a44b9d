using Codeur.Configuration;
using Microsoft.AspNetCore.HttpOverrides;

namespace Codeur.Gateway.Network;

internal static class NetworkExtensions
{
    /// <summary>
    /// Believe <c>X-Forwarded-For</c>/<c>-Proto</c> only from <c>trusted_proxies</c> (the framework's defaults trust
    /// loopback; we trust nothing unless configured), then apply <c>ip_allowlist</c>.
    /// </summary>
    public static IServiceCollection AddClientAddress(this IServiceCollection services, AgentConfig config)
    {
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            options.ForwardLimit = null;
            foreach (var network in NetworkList.Parse(config.Webhook.TrustedProxies).Networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        return services;
    }

    public static IApplicationBuilder UseClientAddress(this IApplicationBuilder app, AgentConfig config)
    {
        if (config.Webhook.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        if (config.Webhook.IpAllowlist is { } allowlist)
        {
            app.UseMiddleware<IpAllowlistMiddleware>(NetworkList.Parse(allowlist));
        }

        return app;
    }
}
