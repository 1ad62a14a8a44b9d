namespace Codeur.Runner.Retention;

internal static class RetentionServiceCollectionExtensions
{
    /// <summary>Prunes ended tasks, outputs, dedupe keys and finished replies after <c>queue.retention</c>'s periods.</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return services;
    }
}
