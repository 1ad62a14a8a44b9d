using Codeur.Configuration;
using Codeur.Runner.Intake.Platforms;
using Codeur.Runner.Intake.Routing;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Tasks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Codeur.Runner.Intake;

internal static class IntakeServiceCollectionExtensions
{
    /// <summary>
    /// Registers intake: the platform parsers, the rules snapshot that follows <see cref="IOptionsMonitor{AgentConfig}"/> (registered by <c>AddAgentConfig</c>),
    /// the router (with the sandbox's path guard), the pipeline, the request handler and the cancellation service.
    /// An <see cref="IProjectPathGuard"/> registered earlier wins.
    /// </summary>
    public static IServiceCollection AddIntake(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, GitHubPayloadParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, SlackPayloadParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, DiscordPayloadParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlatformParser, ApiTaskParser>());

        services.TryAddSingleton<IntakeRulesSource>();

        // The sandbox's guard: the path routing approves is the path the container mounts, checked by one rule set.
        services.TryAddSingleton(sp => new ProjectPathGuard(SandboxOptions.FromConfig(sp.GetRequiredService<AgentConfig>())));
        services.TryAddSingleton<IProjectPathGuard>(sp => sp.GetRequiredService<ProjectPathGuard>());
        services.TryAddSingleton<ProjectRouter>();
        services.TryAddSingleton<IntakePipeline>();
        services.TryAddSingleton<TaskCancellation>();
        services.TryAddSingleton<IntakeHandler>();
        return services;
    }
}
