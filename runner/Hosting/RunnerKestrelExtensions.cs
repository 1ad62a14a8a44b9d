using System.Net;
using Codeur.Configuration;

namespace Codeur.Runner.Hosting;

internal static class RunnerKestrelExtensions
{
    /// <summary>
    /// The runner listens where <c>runner.url</c> points: loopback by default, never a public address by accident.
    /// A host name (<c>http://runner:8081</c> on a compose or cluster network) names this machine as the others see
    /// it, so the runner listens on all its interfaces at that port; keep such a network internal (the internal
    /// token is still required on every request).
    /// </summary>
    public static WebApplicationBuilder ConfigureRunnerKestrel(this WebApplicationBuilder builder, AgentConfig config)
    {
        var url = new Uri(config.Webhook.Runner.Url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address))
            {
                kestrel.Listen(address, url.Port);
            }
            else if (url.IsLoopback)
            {
                kestrel.ListenLocalhost(url.Port);
            }
            else
            {
                kestrel.ListenAnyIP(url.Port);
            }
        });
        return builder;
    }
}
