using System.Diagnostics;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class DockerHealthCheckTests
{
    [Fact]
    public async Task CheckHealthAsync_EngineSocketMissing_UnhealthyQuicklyWithReason()
    {
        var options = new SandboxOptions { DockerEndpoint = new Uri("unix:///nonexistent/codeur-test/docker.sock") };
        using var runtime = new DockerContainerRuntime(options, TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);
        var check = new DockerHealthCheck(runtime);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("docker", check, HealthStatus.Unhealthy, null) };
        var watch = Stopwatch.StartNew();

        var result = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith("Docker engine not reachable", result.Description, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task CreateAsync_EngineSocketMissing_ThrowsEngineUnavailable()
    {
        var options = new SandboxOptions { DockerEndpoint = new Uri("unix:///nonexistent/codeur-test/docker.sock") };
        using var runtime = new DockerContainerRuntime(options, TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);
        var spec = new ContainerSpecBuilder(options).Build("t", "/srv/p", ["true"], DateTimeOffset.UnixEpoch);

        var error = await Assert.ThrowsAsync<ContainerEngineUnavailableException>(() =>
            runtime.CreateAsync(spec, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        Assert.Contains("not reachable", error.Message, StringComparison.Ordinal);
    }
}
