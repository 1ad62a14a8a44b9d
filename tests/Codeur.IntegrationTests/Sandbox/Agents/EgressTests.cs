using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using NetworksCreateParameters = Docker.DotNet.Models.NetworksCreateParameters;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>
/// <c>network: egress</c> against the real engine and the real squid proxy: the runner creates the internal network
/// and the proxy itself, an allowed host (Debian's mirror) answers through the proxy, anything else (another host,
/// cloud metadata, loopback, a direct connection) does not. Each test uses its own network name and removes it.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class EgressTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>, IAsyncLifetime
{
    private readonly string _network = "codeur-it-egress-" + Guid.NewGuid().ToString("N")[..8];

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
    public async Task Run_EgressNetwork_AllowedHostThroughTheProxyOnlyAndCredentialMasked()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        var options = AgentTestKit.Options(docker, "egress", _network, ["deb.debian.org"]);
        using var egress = Proxy(options);

        var (outcome, live, _) = await AgentTestKit.RunAsync(docker, options, project.Path, "run", "reach out", egress);

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        var output = outcome.Output!;
        Assert.Contains("net: proxy-get-allowed HTTP/1.1 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-connect-allowed HTTP/1.1 200 Connection established", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-connect-denied HTTP/1.1 403 Forbidden", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-get-metadata HTTP/1.1 403 Forbidden", output, StringComparison.Ordinal);
        Assert.Contains("net: proxy-connect-loopback HTTP/1.1 403 Forbidden", output, StringComparison.Ordinal);
        Assert.Matches("net: direct-name (connect failed|timed out)", output);
        Assert.Matches("net: direct-address (connect failed|timed out)", output);
        Assert.DoesNotContain(AgentTestKit.Secret, live, StringComparison.Ordinal);
        Assert.NotNull(outcome.Git);

        // What the runner made: an internal network, and a proxy on it and on the default bridge.
        var network = await docker.Runtime.InspectNetworkAsync(_network, TestContext.Current.CancellationToken);
        Assert.NotNull(network);
        Assert.True(network.Internal);
        var proxy = await docker.Runtime.InspectAsync(options.EgressProxyName, TestContext.Current.CancellationToken);
        Assert.True(proxy.State!.Running);
        Assert.True(proxy.HostConfig!.ReadonlyRootfs);
        Assert.Equal(["ALL"], proxy.HostConfig.CapDrop);
        Assert.Equal(["bridge", _network], proxy.NetworkSettings!.Networks.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Run_EgressConfigured_OnlyTheAgentContainerJoinsTheNetwork()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        var options = AgentTestKit.Options(docker, "egress", _network, ["deb.debian.org"]);
        options = new SandboxOptions
        {
            Image = options.Image, InstanceId = options.InstanceId, MemoryBytes = options.MemoryBytes, Timeout = options.Timeout,
            NetworkMode = "egress", EgressNetwork = _network, EgressAllow = options.EgressAllow, EgressProxyImage = options.EgressProxyImage,
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["analyze"] = ["fake-agent", "x"] },
        };
        using var egress = Proxy(options);

        // analyze (here pointed at the fake agent) is not a run task: no network, no proxy variables, no credential.
        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, options, project.Path, "analyze", "x", egress);

        Assert.Equal(TaskState.Succeeded, outcome.State);
        Assert.Contains("net: no proxy configured", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("fake-agent: using key unset", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("net: direct-address connect failed", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureAsync_AllowlistChanged_ProxyReplacedAndOldHostRefused()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        var first = AgentTestKit.Options(docker, "egress", _network, ["deb.debian.org"]);
        using (var egress = Proxy(first))
        {
            await egress.EnsureAsync(TestContext.Current.CancellationToken);
        }

        var second = AgentTestKit.Options(docker, "egress", _network, ["security.debian.org"]);
        using var changed = Proxy(second);

        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, second, project.Path, "run", "again", changed);

        Assert.Contains("net: proxy-get-allowed HTTP/1.1 403 Forbidden", outcome.Output, StringComparison.Ordinal);
        var proxy = await docker.Runtime.InspectAsync(second.EgressProxyName, TestContext.Current.CancellationToken);
        Assert.Equal(changed.ConfigHash, proxy.Config!.Labels[EgressProxy.ConfigLabel]);
    }

    [Fact]
    public async Task EnsureAsync_ExistingNetworkWithARouteOut_Refused()
    {
        docker.RequireDocker();
        image.Require();
        await docker.Runtime.CreateNetworkAsync(new NetworksCreateParameters { Name = _network, Driver = "bridge", Internal = false }, TestContext.Current.CancellationToken);
        using var egress = Proxy(AgentTestKit.Options(docker, "egress", _network, ["deb.debian.org"]));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => egress.EnsureAsync(TestContext.Current.CancellationToken));

        Assert.Contains("not internal", error.Message, StringComparison.Ordinal);
    }

    private EgressProxy Proxy(SandboxOptions options) =>
        new(options, docker.Runtime, docker.Runtime, TimeProvider.System, NullLogger<EgressProxy>.Instance);
}
