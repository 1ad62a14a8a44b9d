using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// <c>network: egress</c>: makes sure the internal network and its allowlisting proxy exist before a run container
/// joins them. The network is created <c>Internal</c> (the engine gives it no route out); the proxy container
/// (<c>deploy/egress-proxy</c>, squid) sits on it and on the default bridge, so it is the only way out, and admits
/// only <c>sandbox.egress_allow</c> by the requested host name (never an IP literal, never a private or link-local
/// address in any spelling), plus <c>sandbox.egress_private_gateways</c> by name, range and port together.
/// </summary>
/// <remarks>
/// The runner does this itself, through the Docker client it already holds, rather than leaving it to an operator:
/// the allowlist then lives in one place (<c>.agent.yaml</c>), a changed list or a dead proxy is repaired before the
/// next task instead of failing it, and nothing extra has to be deployed beside the runner. The proxy image is
/// built like the sandbox image (<c>deploy/egress-proxy/build-offline.sh</c>); the runner never builds images.
/// </remarks>
internal sealed partial class EgressProxy(
    SandboxOptions options, IContainerRuntime containers, INetworkRuntime networks, TimeProvider time, ILogger<EgressProxy> logger) : IDisposable
{
    public const int Port = 3128;
    public const string NetworkLabel = "io.codeur.egress.network";
    public const string ConfigLabel = "io.codeur.egress.config";

    /// <summary>What squid logs once it accepts connections.</summary>
    private const string ReadyLine = "Accepting HTTP Socket connections";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Hash of what the proxy is made from; a proxy carrying another one is replaced.</summary>
    public string ConfigHash { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        options.EgressProxyImage + "\n" + string.Join(",", options.EgressAllow) + "\n" + string.Join(";", options.EgressGateways))))[..16];

    /// <summary>Idempotent; cheap when all is in place (two inspects).</summary>
    /// <exception cref="SandboxImageMissingException">The proxy image is not on the engine.</exception>
    /// <exception cref="InvalidOperationException">A network of that name exists but is not internal.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureNetworkAsync(cancellationToken);
            await EnsureProxyAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task EnsureNetworkAsync(CancellationToken cancellationToken)
    {
        var network = await networks.InspectNetworkAsync(options.EgressNetwork, cancellationToken);
        if (network is null)
        {
            try
            {
                await networks.CreateNetworkAsync(new NetworksCreateParameters
                {
                    Name = options.EgressNetwork,
                    Driver = "bridge",
                    Internal = true,
                    Attachable = false,
                    Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [NetworkLabel] = options.EgressNetwork },
                }, cancellationToken);
                Log.NetworkCreated(logger, options.EgressNetwork);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Another runner on this engine created it first.
            }

            network = await networks.InspectNetworkAsync(options.EgressNetwork, cancellationToken);
        }

        if (network is null || !network.Internal)
        {
            // A network with a route out would make the allowlist decorative: refuse rather than use it.
            throw new InvalidOperationException(
                $"Docker network '{options.EgressNetwork}' exists but is not internal; remove it or choose another sandbox.egress_network");
        }
    }

    private async Task EnsureProxyAsync(CancellationToken cancellationToken)
    {
        var name = options.EgressProxyName;
        var current = await TryInspectAsync(name, cancellationToken);
        if (current is not null)
        {
            var sameConfig = current.Config?.Labels?.TryGetValue(ConfigLabel, out var hash) == true && hash == ConfigHash;
            if (sameConfig && current.State?.Running == true)
            {
                if (current.NetworkSettings?.Networks?.ContainsKey(options.EgressNetwork) != true)
                {
                    await networks.ConnectNetworkAsync(options.EgressNetwork, current.ID, cancellationToken);
                }

                return;
            }

            Log.ProxyReplaced(logger, name, sameConfig ? "not running" : "allowlist or image changed");
            await containers.RemoveAsync(current.ID, cancellationToken);
        }

        string id;
        try
        {
            id = await containers.CreateAsync(ProxySpec(), cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Created concurrently by another runner with the same configuration: use it.
            id = (await TryInspectAsync(name, cancellationToken))?.ID ?? throw new InvalidOperationException($"egress proxy '{name}' vanished", ex);
        }

        await networks.ConnectNetworkAsync(options.EgressNetwork, id, cancellationToken);
        await containers.StartAsync(id, cancellationToken);
        await WaitUntilListeningAsync(id, cancellationToken);
        Log.ProxyStarted(logger, name, options.EgressAllow.Count);
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>A task started before squid listens would see its first request refused, so wait for squid's word.</summary>
    private async Task WaitUntilListeningAsync(string id, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var logs = await networks.ReadLogsAsync(id, cancellationToken);
            if (logs.Contains(ReadyLine, StringComparison.Ordinal))
            {
                return;
            }

            var state = (await containers.InspectAsync(id, cancellationToken)).State;
            if (state?.Running != true || time.GetElapsedTime(started) > ReadyTimeout)
            {
                var tail = logs.Length > 600 ? logs[^600..] : logs;
                throw new InvalidOperationException($"egress proxy did not start listening (running: {state?.Running == true}); its log ends: {tail}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    private async Task<ContainerInspectResponse?> TryInspectAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await containers.InspectAsync(name, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The proxy gets the same hardening as a sandbox, minus the project (it has no files to see).</summary>
    private CreateContainerParameters ProxySpec() => new()
    {
        Name = options.EgressProxyName,
        Image = options.EgressProxyImage,
        Env =
        [
            "CODEUR_EGRESS_ALLOW=" + string.Join(",", options.EgressAllow),
            "CODEUR_EGRESS_GATEWAYS=" + string.Join(";", options.EgressGateways),
            "CODEUR_EGRESS_PORT=" + Port.ToString(CultureInfo.InvariantCulture),
        ],
        Labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NetworkLabel] = options.EgressNetwork,
            [ConfigLabel] = ConfigHash,
        },
        HostConfig = new HostConfig
        {
            // The default bridge is its way out; the internal network is attached before start.
            NetworkMode = "bridge",
            ReadonlyRootfs = true,
            Tmpfs = new Dictionary<string, string>(StringComparer.Ordinal) { ["/tmp"] = ContainerSpecBuilder.TmpfsOptions(32L << 20) },
            CapDrop = ["ALL"],
            SecurityOpt = ["no-new-privileges"],
            Memory = 256L << 20,
            MemorySwap = 256L << 20,
            PidsLimit = 256,
            Init = true,
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped },
            LogConfig = new LogConfig
            {
                Type = "json-file",
                Config = new Dictionary<string, string>(StringComparer.Ordinal) { ["max-size"] = "10m", ["max-file"] = "2" },
            },
        },
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 3400, Level = LogLevel.Information, Message = "Created internal egress network {Network}")]
        public static partial void NetworkCreated(ILogger logger, string network);

        [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Started egress proxy {Name} allowing {Count} host names")]
        public static partial void ProxyStarted(ILogger logger, string name, int count);

        [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "Replacing egress proxy {Name}: {Reason}")]
        public static partial void ProxyReplaced(ILogger logger, string name, string reason);
    }
}
