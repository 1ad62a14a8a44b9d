using Codeur.Configuration;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

internal static class WorkerServiceCollectionExtensions
{
    /// <summary>The worker pool and what it shares with the task API: running tasks, the wake-up signal, the executor.</summary>
    public static IServiceCollection AddWorkers(this IServiceCollection services, AgentConfig config)
    {
        services.AddSingleton<RunnerInstance>();
        services.AddSingleton<RunningTasks>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<ITaskExecutor, SandboxTaskExecutor>();
        services.AddHostedService<WorkerPool>();
        services.AddHostedService<LeaseKeeper>();

        // The host must wait for the grace period plus the kill and the final writes.
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(config.Webhook.Runner.ShutdownGrace + 20));
        return services;
    }
}
