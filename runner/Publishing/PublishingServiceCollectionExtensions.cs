using Codeur.Configuration;

namespace Codeur.Runner.Publishing;

internal static class PublishingServiceCollectionExtensions
{
    /// <summary>Push and pull requests after <c>run</c> tasks (<c>project_mapping[].publish</c>).</summary>
    public static IServiceCollection AddPublishing(this IServiceCollection services, AgentConfig config)
    {
        services.AddSingleton(new PublishingSettings(config));
        services.AddSingleton<ForgeProxy>();
        services.AddSingleton<BranchPusher>();
        services.AddSingleton<GitHubPullRequests>();
        services.AddHttpClient(GitHubPullRequests.ClientName, client =>
        {
            client.Timeout = TimeSpan.FromSeconds(Math.Max(5, config.Webhook.Replies.RequestTimeout * 3));
            client.DefaultRequestHeaders.UserAgent.ParseAdd("codeur-runner");
        });
        services.AddSingleton<ITaskPublisher, TaskPublisher>();
        return services;
    }
}
