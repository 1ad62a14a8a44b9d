using Codeur.Audit;
using Codeur.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Codeur.Hosting;

public static class AgentConfigHostingExtensions
{
    /// <summary>
    /// Loads <c>.agent.yaml</c> (<c>--config</c>, else <c>AGENT_CONFIG</c>, else <c>./.agent.yaml</c>) and registers it,
    /// the clock and the audit log. A bad file throws here, before anything listens. <paramref name="audience"/> is
    /// the service loading it: it needs, and keeps, only its own secrets (<see cref="SecretOwnership"/>). The returned
    /// value and the <see cref="AgentConfig"/> singleton are the start settings; <see cref="IOptionsMonitor{AgentConfig}"/>
    /// follows the file (see <see cref="AgentConfigMonitor"/>), and <see cref="AddAgentOptions"/> derives a feature's own
    /// options from it.
    /// </summary>
    public static AgentConfig AddAgentConfig(this IHostApplicationBuilder builder, ConfigAudience audience)
    {
        var path = AgentConfigLoader.ResolvePath(builder.Configuration["config"], Environment.GetEnvironmentVariable);
        var file = AgentConfigFile.Read(path, audience);
        var config = file.Load();
        builder.Services.AddSingleton(config);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new AgentConfigMonitor(file, config, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AgentConfigMonitor>>()));
        builder.Services.AddSingleton<IOptionsMonitor<AgentConfig>>(sp => sp.GetRequiredService<AgentConfigMonitor>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AgentConfigMonitor>());
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        return config;
    }

    /// <summary>
    /// A feature's own options, built from the live <c>.agent.yaml</c> by <paramref name="configure"/> and rebuilt after
    /// every accepted change: inject <see cref="IOptionsMonitor{TOptions}"/> and read <c>CurrentValue</c> per use (a cached
    /// instance until the next change). The file was validated before the change is announced, so
    /// <paramref name="configure"/> only derives (parses addresses, hashes tokens) and should not throw.
    /// </summary>
    public static OptionsBuilder<TOptions> AddAgentOptions<TOptions>(this IServiceCollection services, Action<TOptions, AgentConfig> configure)
        where TOptions : class
    {
        services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(sp => new AgentConfigChangeTokenSource<TOptions>(sp.GetRequiredService<AgentConfigMonitor>()));
        return services.AddOptions<TOptions>().Configure<IOptionsMonitor<AgentConfig>>((options, monitor) => configure(options, monitor.CurrentValue));
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
