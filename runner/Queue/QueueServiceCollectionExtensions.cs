using Codeur.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Codeur.Runner.Queue;

internal static class QueueServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="ITaskQueue"/> that <c>webhook.queue.backend</c> names, as a singleton.</summary>
    public static IServiceCollection AddTaskQueue(this IServiceCollection services, AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var queue = config.Webhook.Queue;
        services.TryAddSingleton(TimeProvider.System);
        switch (queue.Backend)
        {
            case "sqlite":
                services.AddSingleton(provider => new SqliteTaskQueue(
                    queue,
                    provider.GetRequiredService<TimeProvider>(),
                    provider.GetRequiredService<ILogger<SqliteTaskQueue>>()));
                services.AddSingleton<ITaskQueue>(provider => provider.GetRequiredService<SqliteTaskQueue>());
                services.AddSingleton<ITaskRetention>(provider => provider.GetRequiredService<SqliteTaskQueue>());
                services.AddHostedService<TaskQueueInitializer>();
                services.AddHealthChecks().AddCheck<QueueHealthCheck>("queue");
                return services;
            case "redis":
                services.AddSingleton(provider => new RedisTaskQueue(
                    queue,
                    provider.GetRequiredService<TimeProvider>(),
                    provider.GetRequiredService<ILogger<RedisTaskQueue>>(),
                    taskTimeoutSeconds: config.Webhook.Timeout));
                services.AddSingleton<ITaskQueue>(provider => provider.GetRequiredService<RedisTaskQueue>());
                services.AddSingleton<ILeasedTaskQueue>(provider => provider.GetRequiredService<RedisTaskQueue>());
                services.AddSingleton<ITaskRetention>(provider => provider.GetRequiredService<RedisTaskQueue>());
                services.AddHostedService<RedisQueueInitializer>();
                services.AddHealthChecks().AddCheck<QueueHealthCheck>("queue", tags: ["redis"]);
                return services;
            default:
                throw new NotSupportedException($"webhook.queue.backend '{queue.Backend}' is not a known queue backend (sqlite or redis)");
        }
    }
}
