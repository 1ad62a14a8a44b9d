using System.Globalization;
using System.Net;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using NetworksCreateParameters = Docker.DotNet.Models.NetworksCreateParameters;
using IPAM = Docker.DotNet.Models.IPAM;
using IPAMConfig = Docker.DotNet.Models.IPAMConfig;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// Where a scripted model server lives so that the agent reaches it as it would reach a private model gateway: by
/// name, through the real egress proxy. The server listens on the host's address on a bridge of the test's own in the
/// benchmarking range (198.18.0.0/15), which the proxy refuses unless that name, range and port are allowed together
/// (<c>sandbox.egress_private_gateways</c>), and the name is resolved inside the proxy container alone (its hosts file,
/// then <c>squid -k reconfigure</c>). The agent's container, on the internal egress network, has no route there.
/// </summary>
internal sealed class ScriptedModelNetwork : IAsyncDisposable
{
    public const string HostName = "api.model.test";

    private readonly DockerFixture _docker;
    private readonly string _modelNetwork;

    private ScriptedModelNetwork(DockerFixture docker, string modelNetwork, IPAddress address, string egressNetwork, EgressProxy proxy, SandboxOptions options)
    {
        _docker = docker;
        _modelNetwork = modelNetwork;
        Address = address;
        EgressNetwork = egressNetwork;
        Proxy = proxy;
        Options = options;
    }

    /// <summary>The host's address on the model bridge: where the scripted server listens (port 80: the proxy admits 80 and 443 only).</summary>
    public IPAddress Address { get; }

    public string EgressNetwork { get; }

    public EgressProxy Proxy { get; }

    /// <summary>Sandbox options for the agent image on the egress network, allowing <see cref="HostName"/> only.</summary>
    public SandboxOptions Options { get; }

    /// <param name="reviewPrompt">When set, <c>analyze</c> is a review by the agent with this prompt.</param>
    public static async Task<ScriptedModelNetwork> StartAsync(DockerFixture docker, string image, IReadOnlyList<string> runArgv, string? reviewPrompt = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var modelNetwork = "codeur-it-model-" + suffix;
        var third = Random.Shared.Next(0, 256).ToString(CultureInfo.InvariantCulture);
        var subnet = $"198.18.{third}.0/24";
        await docker.Runtime.CreateNetworkAsync(new NetworksCreateParameters
        {
            Name = modelNetwork,
            Driver = "bridge",
            IPAM = new IPAM { Config = [new IPAMConfig { Subnet = subnet, Gateway = $"198.18.{third}.1" }] },
        }, ct);
        var address = IPAddress.Parse($"198.18.{third}.1");

        var egressNetwork = "codeur-it-egress-" + suffix;
        var options = new SandboxOptions
        {
            Image = image,
            PidsLimit = 512,
            MemoryBytes = 2L << 30,
            TmpSizeBytes = 512L << 20,
            NanoCpus = 2_000_000_000,
            Timeout = TimeSpan.FromSeconds(180),
            DockerCallTimeout = TimeSpan.FromSeconds(60),
            InstanceId = docker.InstanceId,
            NetworkMode = "egress",
            EgressNetwork = egressNetwork,
            EgressAllow = [HostName],

            // The benchmarking range is not public: the proxy admits the model server there only as an explicitly
            // allowed private model gateway, by its name, its range and its port together.
            EgressGateways = [$"{HostName}|{subnet}|80"],
            EgressProxyImage = FakeAgentImage.ProxyImage,
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = runArgv },
            DefaultReviewPrompt = reviewPrompt,
        };
        var proxy = new EgressProxy(options, docker.Runtime, docker.Runtime, TimeProvider.System, NullLogger<EgressProxy>.Instance);
        var network = new ScriptedModelNetwork(docker, modelNetwork, address, egressNetwork, proxy, options);
        await proxy.EnsureAsync(ct);
        await network.ResolveInProxyAsync();
        return network;
    }

    /// <summary>Adds the name to the proxy's hosts file and has squid re-read it; waits until squid listens again.</summary>
    private async Task ResolveInProxyAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var inspected = await _docker.Runtime.InspectAsync(Options.EgressProxyName, ct);
        await File.AppendAllTextAsync(inspected.HostsPath, $"{Address} {HostName}\n", ct);
        var before = await ReadyCountAsync();
        var (code, output) = await FakeAgentImage.RunAsync("docker", ["exec", Options.EgressProxyName, "/usr/sbin/squid", "-k", "reconfigure", "-f", "/tmp/squid.conf"], TimeSpan.FromSeconds(30));
        Assert.True(code == 0, "squid -k reconfigure failed: " + output);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (await ReadyCountAsync() <= before)
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    private async Task<int> ReadyCountAsync()
    {
        var (_, logs) = await FakeAgentImage.RunAsync("docker", ["logs", Options.EgressProxyName], TimeSpan.FromSeconds(30));
        return logs.Split("Accepting HTTP Socket connections").Length - 1;
    }

    public async Task<string> ProxyLogAsync() => (await FakeAgentImage.RunAsync("docker", ["logs", Options.EgressProxyName], TimeSpan.FromSeconds(30))).Output;

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _docker.Runtime.RemoveAsync(Options.EgressProxyName, cts.Token);
            await _docker.Runtime.RemoveNetworkAsync(EgressNetwork, cts.Token);
            await _docker.Runtime.RemoveNetworkAsync(_modelNetwork, cts.Token);
        }
        catch (ContainerEngineUnavailableException)
        {
        }
    }
}
