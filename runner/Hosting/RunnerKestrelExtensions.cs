using System.Net;
using Codeur.Configuration;

namespace Codeur.Runner.Hosting;

internal static class RunnerKestrelExtensions
{
    /// <summary>The runner listens where <c>runner.url</c> points (loopback by default), never on a public address by accident.</summary>
    public static WebApplicationBuilder ConfigureRunnerKestrel(this WebApplicationBuilder builder, AgentConfig config)
    {
        var url = new Uri(config.Webhook.Runner.Url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (url.IsLoopback && !IPAddress.TryParse(url.Host, out _))
            {
                kestrel.ListenLocalhost(url.Port);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(url.Host), url.Port);
            }
        });
        return builder;
    }
}
