using System.Net;
using Codeur.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Codeur.Gateway.Tls;

internal static partial class KestrelExtensions
{
    /// <summary>
    /// Listens on <c>webhook.host:port</c>, over TLS 1.2/1.3 with HTTP/1.1 and HTTP/2 when <c>tls</c> is set,
    /// otherwise plain HTTP with a warning. Limits keep slow or oversized clients from holding resources.
    /// </summary>
    public static WebApplicationBuilder ConfigureGatewayKestrel(this WebApplicationBuilder builder, AgentConfig config)
    {
        var webhook = config.Webhook;
        if (webhook.Tls is { } tls)
        {
            builder.Services.AddSingleton(sp => new CertificateReloader(tls, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CertificateReloader>>()));
        }

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = BodyLimitsSection.GitHubCeiling;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            var limits = webhook.ClientLimits;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.HeaderTimeout);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(limits.KeepAliveTimeout);
            kestrel.Limits.MinRequestBodyDataRate = limits.MinBodyRate == 0 ? null : new MinDataRate(bytesPerSecond: limits.MinBodyRate, gracePeriod: TimeSpan.FromSeconds(limits.BodyRateGrace));
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConnections == 0 ? null : limits.MaxConnections;

            var reloader = webhook.Tls is null ? null : kestrel.ApplicationServices.GetRequiredService<CertificateReloader>();
            void Configure(ListenOptions listen)
            {
                if (reloader is null)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    return;
                }

                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => reloader.SelectAsync(),
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                });
            }

            switch (webhook.Host)
            {
                case "localhost":
                    kestrel.ListenLocalhost(webhook.Port, Configure);
                    break;
                case "*":
                    kestrel.ListenAnyIP(webhook.Port, Configure);
                    break;
                default:
                    kestrel.Listen(IPAddress.Parse(webhook.Host), webhook.Port, Configure);
                    break;
            }
        });

        return builder;
    }

    public static void WarnIfPlaintext(this WebApplication app, AgentConfig config)
    {
        if (config.Webhook.Tls is null)
        {
            Log.PlainHttp(app.Logger, config.Webhook.Host, config.Webhook.Port);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Warning, "TLS IS NOT CONFIGURED: the gateway serves plain HTTP on {Host}:{Port}. Secrets and payloads cross the network in clear text; set webhook.tls.certificate and webhook.tls.key, or terminate TLS in front of the gateway.")]
        public static partial void PlainHttp(ILogger logger, string host, int port);
    }
}
