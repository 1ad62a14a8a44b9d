using Codeur.Configuration;
using Codeur.Runner.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Codeur.Runner.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OutputStorage"/>: on the bucket <c>storage.s3</c> names, or, without it, a pass-through that
    /// keeps every output in the queue store.
    /// </summary>
    public static IServiceCollection AddOutputStorage(this IServiceCollection services, AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s3 = config.Webhook.Storage.S3;
        services.TryAddSingleton(TimeProvider.System);
        if (s3 is not null)
        {
            services.AddSingleton<IOutputStore>(provider => new S3OutputStore(s3, provider.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton(provider => new OutputStorage(
            provider.GetService<IOutputStore>(),
            s3,
            provider.GetRequiredService<RunnerMetrics>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<OutputStorage>>()));
        return services;
    }
}
