using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Publishing;

/// <summary>
/// The way out of push containers whose project names no network of its own: an internal network
/// (<c>codeur-forge</c>) whose only exit is the same allowlisting proxy as <c>network: egress</c>, admitting the
/// publishing remotes' hosts and nothing else. The agent's containers never join it.
/// </summary>
internal sealed class ForgeProxy : IDisposable
{
    public const string NetworkName = "codeur-forge";

    private readonly EgressProxy _proxy;

    public ForgeProxy(SandboxOptions sandbox, PublishingSettings settings, IContainerRuntime containers, INetworkRuntime networks, TimeProvider time, ILogger<EgressProxy> logger)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new SandboxOptions
        {
            InstanceId = sandbox.InstanceId,
            EgressNetwork = NetworkName,
            EgressProxyImage = sandbox.EgressProxyImage,
            EgressAllow = settings.ProxiedHosts,
        };
        ProxyUrl = $"http://{options.EgressProxyName}:{EgressProxy.Port}";
        _proxy = new EgressProxy(options, containers, networks, time, logger);
    }

    /// <summary>The proxy as git and curl expect it in <c>https_proxy</c>.</summary>
    public string ProxyUrl { get; }

    public Task EnsureAsync(CancellationToken cancellationToken) => _proxy.EnsureAsync(cancellationToken);

    public void Dispose() => _proxy.Dispose();
}
