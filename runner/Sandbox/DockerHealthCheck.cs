using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codeur.Runner.Sandbox;

/// <summary>Reports whether the Docker engine answers a ping within a second: without it no task can run.</summary>
internal sealed class DockerHealthCheck(IContainerRuntime runtime) : IHealthCheck
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await runtime.PingAsync(PingTimeout, cancellationToken);
            return HealthCheckResult.Healthy("Docker engine reachable");
        }
        catch (ContainerEngineUnavailableException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Docker engine not reachable: " + ex.Message);
        }
    }
}
