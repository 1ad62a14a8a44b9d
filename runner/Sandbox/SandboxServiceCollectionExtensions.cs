using Codeur.Configuration;
using Codeur.Runner.Sandbox.Agents;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Codeur.Runner.Sandbox;

internal static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// The sandbox engine: Docker runtime, path guard, spec builder, executor, egress proxy, agent credentials,
    /// orphan sweep and the <c>docker</c> health check. The options come from the already-validated <c>.agent.yaml</c>.
    /// </summary>
    public static IServiceCollection AddSandbox(this IServiceCollection services, AgentConfig config)
    {
        var options = SandboxOptions.FromConfig(config);
        services.AddSingleton(options);
        services.AddSingleton<DockerContainerRuntime>();
        services.AddSingleton<IContainerRuntime>(sp => sp.GetRequiredService<DockerContainerRuntime>());
        services.AddSingleton<INetworkRuntime>(sp => sp.GetRequiredService<DockerContainerRuntime>());
        services.AddSingleton<IEngineInfo>(sp => sp.GetRequiredService<DockerContainerRuntime>());
        services.AddSingleton<EgressProxy>();
        services.AddSingleton(sp =>
        {
            var credentials = AgentCredentials.FromConfig(config.Webhook.Sandbox, Environment.GetEnvironmentVariable);
            credentials.LogSummary(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Codeur.Runner.Sandbox.Agents"), config.Webhook.Sandbox.Agent);
            return credentials;
        });
        services.TryAddSingleton(sp => new ProjectPathGuard(sp.GetRequiredService<SandboxOptions>()));
        services.AddSingleton<ContainerSpecBuilder>();
        services.AddSingleton<SandboxCommands>();
        services.AddSingleton<SandboxTaskRegistry>();
        services.AddSingleton<ISandboxExecutor, SandboxExecutor>();
        // Before the sweep and the workers: a runtime the engine cannot provide stops the start.
        services.AddHostedService<SandboxRuntimeValidator>();
        services.AddSingleton<OrphanSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanSweeper>());
        services.AddHealthChecks().AddCheck<DockerHealthCheck>("docker");
        return services;
    }
}
