using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox;

/// <summary>The start-up runtime check against the real engine's <c>docker info</c>, as <c>deploy/ensure-runsc.sh</c> leaves it.</summary>
[Collection(DockerCollection.Name)]
public sealed class SandboxRuntimeValidatorTests(DockerFixture docker)
{
    [Fact]
    public async Task StartAsync_RuntimeTheEngineLacks_FailsNamingTheKey()
    {
        docker.RequireDocker();
        var options = new SandboxOptions { Runtimes = new Dictionary<string, string> { ["analyze"] = "codeur-no-such-runtime" } };

        var error = await Assert.ThrowsAsync<SandboxRuntimeException>(() => Validator(options).StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("webhook.sandbox.runtimes.analyze: runtime 'codeur-no-such-runtime' is not registered", error.Message, StringComparison.Ordinal);
        Assert.Contains("runc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EgressAgentOnNetworklessGVisor_FailsNamingTheKey()
    {
        docker.RequireRuntime("runsc");
        Assert.Equal("none", docker.RegisteredRuntime("runsc").GVisorNetwork);
        var options = new SandboxOptions { Runtime = "runsc", NetworkMode = "egress" };

        var error = await Assert.ThrowsAsync<SandboxRuntimeException>(() => Validator(options).StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("webhook.sandbox.runtime: runtime 'runsc' is gVisor registered with --network=none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_GVisorExceptEgressRunOnRunc_Starts()
    {
        docker.RequireRuntime("runsc");
        var options = new SandboxOptions { Runtime = "runsc", NetworkMode = "egress", Runtimes = new Dictionary<string, string> { ["run"] = "runc" } };

        await Validator(options).StartAsync(TestContext.Current.CancellationToken);
    }

    private SandboxRuntimeValidator Validator(SandboxOptions options) => new(docker.Runtime, options, NullLogger<SandboxRuntimeValidator>.Instance);
}
