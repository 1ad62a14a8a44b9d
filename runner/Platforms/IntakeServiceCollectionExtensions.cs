using Codeur.Configuration;
using Codeur.Runner.Commands;
using Codeur.Runner.Policy;
using Codeur.Runner.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Codeur.Runner.Platforms;

internal static class IntakeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the intake steps built once from <see cref="AgentConfig"/>: parsers, policy, router (patterns
    /// compiled here) and <see cref="IntakePipeline"/>. An <see cref="IProjectPathGuard"/> registered earlier wins.
    /// </summary>
    public static IServiceCollection AddIntake(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => IntakeSettings.From(sp.GetRequiredService<AgentConfig>().Webhook));
        services.TryAddSingleton<CommandLineParser>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, GitHubPayloadParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, SlackPayloadParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, DiscordPayloadParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, ApiTaskParser>());
        services.TryAddSingleton<CommandPolicy>();
        // The sandbox's guard: the path routing approves is the path the container mounts, checked by one rule set.
        services.TryAddSingleton(sp => new Sandbox.ProjectPathGuard(Sandbox.SandboxOptions.FromConfig(sp.GetRequiredService<AgentConfig>())));
        services.TryAddSingleton<IProjectPathGuard>(sp => sp.GetRequiredService<Sandbox.ProjectPathGuard>());
        services.TryAddSingleton(sp => new ProjectRouter(
            sp.GetRequiredService<AgentConfig>().Webhook.ProjectMapping,
            sp.GetRequiredService<IProjectPathGuard>(),
            sp.GetRequiredService<ILogger<ProjectRouter>>()));
        services.TryAddSingleton<IntakePipeline>();
        return services;
    }
}
