using Codeur.Audit;
using Codeur.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Codeur.Hosting;

public static class AgentConfigHostingExtensions
{
    /// <summary>
    /// Loads <c>.agent.yaml</c> (<c>--config</c>, else <c>AGENT_CONFIG</c>, else <c>./.agent.yaml</c>) and registers it,
    /// the clock and the audit log. A bad file throws here, before anything listens. <paramref name="audience"/> is
    /// the service loading it: it needs, and keeps, only its own secrets (<see cref="SecretOwnership"/>).
    /// </summary>
    public static AgentConfig AddAgentConfig(this IHostApplicationBuilder builder, ConfigAudience audience)
    {
        var path = AgentConfigLoader.ResolvePath(builder.Configuration["config"], Environment.GetEnvironmentVariable);
        var config = AgentConfigLoader.LoadFile(path, audience: audience);
        builder.Services.AddSingleton(config);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        return config;
    }

    /// <summary>
    /// JSON console logs, one object per line, UTC timestamps. The framework's per-request Information lines
    /// (hosting, routing, the forwarder) default to Warning: at six lines per forwarded request they cost more CPU
    /// than the forwarding itself. They are defaults at the lowest precedence, so <c>Logging__LogLevel__*</c> still wins.
    /// </summary>
    public static void AddJsonLogging(this WebApplicationBuilder builder)
    {
        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Yarp"] = "Warning",
                ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",

                // The reply clients' resilience pipeline would log every failed HTTP try as an Error with a stack trace
                // (about 20 KB per delivery against a hanging platform). ReplyDispatcher logs each failed delivery as
                // one Warning with its reason instead; an outage that recovers is no error.
                ["Logging:LogLevel:Polly"] = "None",

                // Requests Kestrel itself refuses (bad framing, oversized headers) never reach the audit trail: keep them in the log.
                ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.BadRequests"] = "Debug",
            },
        });

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.IncludeScopes = false;
        });
    }
}
