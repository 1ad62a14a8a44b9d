using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>
/// The configuration this machine calls for with <c>network: egress</c>: gVisor for every container
/// (<c>runtime: runsc</c>) except the agent's, which joins the network and stays on runc (<c>runtimes: {run: runc}</c>;
/// Debian 12's runsc cannot network here, see docs/SECURITY.md). The worktree steps run under gVisor, the agent reaches
/// the allowed host only through the proxy, and the runtime of each container is the configured one.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class EgressGVisorTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>, IAsyncLifetime
{
    private readonly string _network = "codeur-it-egress-gv-" + Guid.NewGuid().ToString("N")[..8];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await docker.Runtime.RemoveAsync(_network + "-proxy", cts.Token);
            await docker.Runtime.RemoveNetworkAsync(_network, cts.Token);
        }
        catch (ContainerEngineUnavailableException)
        {
        }
    }

    [Fact]
    public async Task Run_EgressAgentOnRuncGitStepsOnGVisor_OnlyTheAllowedHostThroughTheProxy()
    {
        docker.RequireRuntime("runsc");
        image.Require();
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        var baseOptions = AgentTestKit.Options(docker, "egress", _network, ["deb.debian.org"]);
        var options = new SandboxOptions
        {
            Image = baseOptions.Image, PidsLimit = 512, MemoryBytes = baseOptions.MemoryBytes, TmpSizeBytes = baseOptions.TmpSizeBytes,
            NanoCpus = baseOptions.NanoCpus, Timeout = baseOptions.Timeout, DockerCallTimeout = baseOptions.DockerCallTimeout,
            InstanceId = baseOptions.InstanceId, NetworkMode = "egress", EgressNetwork = _network, EgressAllow = baseOptions.EgressAllow,
            EgressProxyImage = baseOptions.EgressProxyImage, Commands = baseOptions.Commands,
            Runtime = "runsc", Runtimes = new Dictionary<string, string> { ["run"] = "runc" },
        };
        using var egress = new EgressProxy(options, docker.Runtime, docker.Runtime, TimeProvider.System, NullLogger<EgressProxy>.Instance);

        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, options, project.Path, "run", "reach out", egress);
        await new SandboxRuntimeValidator(docker.Runtime, options, NullLogger<SandboxRuntimeValidator>.Instance).StartAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        var output = outcome.Output!;
        Assert.Contains("net: proxy-get-allowed HTTP/1.1 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-connect-allowed HTTP/1.1 200 Connection established", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-connect-denied HTTP/1.1 403 Forbidden", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-get-metadata HTTP/1.1 403 Forbidden", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-connect-loopback HTTP/1.1 403 Forbidden", output, StringComparison.Ordinal);
        Assert.Matches("net: direct-name (connect failed|timed out)", output);
        Assert.Matches("net: direct-address (connect failed|timed out)", output);
        Assert.NotNull(outcome.Git);
    }
}
