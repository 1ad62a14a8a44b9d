using Codeur.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Codeur.Runner.Sandbox;

internal static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// The sandbox engine: Docker runtime, path guard, spec builder, executor, orphan sweep and the <c>docker</c>
    /// health check. The options come from the already-validated <c>.agent.yaml</c>.
    /// </summary>
    public static IServiceCollection AddSandbox(this IServiceCollection services, AgentConfig config)
    {
        var options = SandboxOptions.FromConfig(config);
        services.AddSingleton(options);
        services.AddSingleton<IContainerRuntime, DockerContainerRuntime>();
        services.TryAddSingleton(sp => new ProjectPathGuard(sp.GetRequiredService<SandboxOptions>()));
        services.AddSingleton<ContainerSpecBuilder>();
        services.AddSingleton<SandboxCommands>();
        services.AddSingleton<SandboxTaskRegistry>();
        services.AddSingleton<ISandboxExecutor, SandboxExecutor>();
        services.AddSingleton<OrphanSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanSweeper>());
        services.AddHealthChecks().AddCheck<DockerHealthCheck>("docker");
        return services;
    }
}
