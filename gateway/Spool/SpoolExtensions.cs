using Codeur.Configuration;
using Codeur.Gateway.Observability;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codeur.Gateway.Spool;

internal static class SpoolExtensions
{
    /// <summary>
    /// The spool, its drainer and its health, when <c>webhook.spool</c> is configured. With a spool, an unreachable
    /// runner makes the gateway's health <c>degraded</c> (200: it still accepts) rather than unhealthy.
    /// </summary>
    public static IServiceCollection AddRunnerSpool(this IServiceCollection services, AgentConfig config)
    {
        if (config.Webhook.Spool is not { } spool)
        {
            return services;
        }

        var maxBytes = ByteSize.Parse(spool.MaxBytes);
        services.AddSingleton<ISpoolStore>(sp => spool.Backend == "redis"
            ? new RedisSpoolStore(spool.Connection!, spool.Prefix, spool.MaxEntries, maxBytes)
            : OperatingSystem.IsLinux()
                ? new FileSpoolStore(spool.Path, spool.MaxEntries, maxBytes, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FileSpoolStore>>())
                : throw new PlatformNotSupportedException("webhook.spool backend 'file' needs Linux (it fsyncs the spool directory)"));
        services.AddSingleton<SpoolSignal>();
        services.AddSingleton<SpoolMetrics>();
        services.AddSingleton<SpoolIntake>();
        services.AddHostedService<SpoolDrainer>();
        services.AddHttpClient(SpoolDrainer.ClientName, client => client.Timeout = TimeSpan.FromSeconds(60))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1), UseCookies = false, AllowAutoRedirect = false });
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "spool",
            sp => new SpoolHealthCheck(sp.GetRequiredService<ISpoolStore>(), sp.GetRequiredService<SpoolMetrics>(), sp.GetRequiredService<TimeProvider>(), spool.MaxEntries),
            HealthStatus.Unhealthy,
            tags: null));
        services.Configure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Name == RunnerHealthCheck.Name))
            {
                registration.FailureStatus = HealthStatus.Degraded;
            }
        });
        return services;
    }
}
