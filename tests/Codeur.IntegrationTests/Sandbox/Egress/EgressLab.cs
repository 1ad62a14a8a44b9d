using System.Net;
using System.Net.Sockets;
using System.Text;
using Codeur.IntegrationTests.Sandbox.Agents;

namespace Codeur.IntegrationTests.Sandbox.Egress;

/// <summary>
/// The ground the egress attack tests stand on, built once per class: two Docker networks of our own (one in a
/// documentation range squid treats as public, 198.51.100.x, and one private, 10.x.y.0/24), an HTTP server on this
/// host at each network's gateway address (so a container on the network reaches it, and only through it), and the
/// egress proxy image under test (<c>CODEUR_EGRESS_PROXY_IMAGE</c>, default <c>codeur/egress-proxy:latest</c>,
/// built idempotently by <c>deploy/egress-proxy/build-offline.sh</c>).
/// </summary>
public sealed class EgressLab : IAsyncLifetime
{
    public static string Image { get; } = Environment.GetEnvironmentVariable("CODEUR_EGRESS_PROXY_IMAGE") is { Length: > 0 } tag
        ? tag
        : "codeur/egress-proxy:latest";

    private static readonly string Here = Path.Combine(FakeAgentImage.RepositoryRoot, "tests", "Codeur.IntegrationTests", "Sandbox", "Egress");

    private readonly string _prefix = "codeur-it-egress-lab-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _containers = [];
    private readonly Dictionary<IPAddress, string> _proxies = [];
    private readonly List<string> _networks = [];
    private readonly List<TinyHttpServer> _servers = [];

    /// <summary>Why the lab could not be built; null when it is ready.</summary>
    public string? Problem { get; private set; }

    public string PublicNetwork => _prefix + "-pub";
    public string PrivateNetwork => _prefix + "-priv";

    /// <summary>This host's address on the public-looking network; an HTTP server listens on it at ports 80 and 443.</summary>
    public IPAddress PublicAddress { get; private set; } = IPAddress.None;

    /// <summary>This host's address on the private network; HTTP servers listen on it at 443 and at <see cref="GatewayPort"/>.</summary>
    public IPAddress PrivateAddress { get; private set; } = IPAddress.None;

    /// <summary>The private network's range (a /24).</summary>
    public string PrivateRange { get; private set; } = "";

    /// <summary>An ephemeral port on <see cref="PrivateAddress"/>: the "internal model gateway".</summary>
    public int GatewayPort { get; private set; }

    public const string PublicMarker = "reached-public-server";
    public const string PrivateMarker = "reached-private-server";
    public const string GatewayMarker = "reached-model-gateway";

    public async ValueTask InitializeAsync()
    {
        try
        {
            var (code, output) = await FakeAgentImage.RunAsync(
                Path.Combine(FakeAgentImage.RepositoryRoot, "deploy", "egress-proxy", "build-offline.sh"), [Image], TimeSpan.FromMinutes(10));
            if (code != 0)
            {
                Problem = $"building {Image} failed ({code}): {output}";
                return;
            }

            PublicAddress = await CreateNetworkAsync(PublicNetwork, i => $"198.51.100.{(i % 16) * 16}/28");
            PrivateAddress = await CreateNetworkAsync(PrivateNetwork, i => $"10.{200 + (i % 50)}.{Random.Shared.Next(256)}.0/24");
            var bytes = PrivateAddress.GetAddressBytes();
            PrivateRange = $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24";

            _servers.Add(TinyHttpServer.Start(new IPEndPoint(PublicAddress, 443), PublicMarker));
            _servers.Add(TinyHttpServer.Start(new IPEndPoint(PublicAddress, 80), PublicMarker));
            _servers.Add(TinyHttpServer.Start(new IPEndPoint(PrivateAddress, 443), PrivateMarker));
            var gateway = TinyHttpServer.Start(new IPEndPoint(PrivateAddress, 0), GatewayMarker);
            _servers.Add(gateway);
            GatewayPort = gateway.Port;
        }
        catch (Exception ex) when (ex is InvalidOperationException or SocketException or IOException or System.ComponentModel.Win32Exception)
        {
            Problem = "cannot build the egress lab: " + ex.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var container in _containers)
        {
            await FakeAgentImage.RunAsync("docker", ["rm", "-f", container], TimeSpan.FromSeconds(30));
        }

        foreach (var network in _networks)
        {
            await FakeAgentImage.RunAsync("docker", ["network", "rm", network], TimeSpan.FromSeconds(30));
        }
    }

    public void Require()
    {
        if (Problem is not null)
        {
            Assert.Fail(Problem);
        }
    }

    /// <summary>Which squid configuration a proxy runs.</summary>
    public enum Config
    {
        /// <summary>deploy/egress-proxy as shipped now: the one under test.</summary>
        Current,

        /// <summary>The generator before issue 13 (<c>legacy-codeur-egress-proxy</c>): dstdomain without -n, no NAT64.</summary>
        Legacy,

        /// <summary>Squid with only a by-name allowlist (<c>allowlist-only.squid.conf</c>): no address rules.</summary>
        AllowlistOnly,
    }

    /// <summary>
    /// Starts a proxy of the image under test on both lab networks, with <paramref name="hosts"/> as its
    /// <c>/etc/hosts</c> entries (squid resolves and reverse-resolves through them) and IPv6 enabled inside, so
    /// squid uses IPv6 answers too. Returns the address this host reaches it on.
    /// </summary>
    public async Task<IPAddress> StartProxyAsync(
        Config config, IReadOnlyList<string> allow, IReadOnlyDictionary<string, string> hosts, string? gateways = null)
    {
        var name = $"{_prefix}-proxy-{_containers.Count}";
        List<string> args =
        [
            "run", "-d", "--name", name, "--network", PrivateNetwork, "--sysctl", "net.ipv6.conf.all.disable_ipv6=0",
            "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "-e", "CODEUR_EGRESS_ALLOW=" + string.Join(",", allow),
        ];
        if (gateways is not null)
        {
            args.AddRange(["-e", "CODEUR_EGRESS_GATEWAYS=" + gateways]);
        }

        foreach (var (host, hostAddress) in hosts)
        {
            args.AddRange(["--add-host", $"{host}:{hostAddress}"]);
        }

        switch (config)
        {
            case Config.Legacy:
                args.AddRange(["-v", Path.Combine(Here, "legacy-codeur-egress-proxy") + ":/usr/local/bin/codeur-egress-proxy:ro", Image]);
                break;
            case Config.AllowlistOnly:
                args.AddRange(["-v", Path.Combine(Here, "allowlist-only.squid.conf") + ":/etc/codeur-test/squid.conf:ro",
                    "--entrypoint", "/usr/sbin/squid", Image, "-N", "-f", "/etc/codeur-test/squid.conf"]);
                break;
            default:
                args.Add(Image);
                break;
        }

        _containers.Add(name);
        await DockerAsync(args);
        await DockerAsync(["network", "connect", PublicNetwork, name]);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (_, logs) = await FakeAgentImage.RunAsync("docker", ["logs", name], TimeSpan.FromSeconds(30));
            if (logs.Contains("Accepting HTTP Socket connections", StringComparison.Ordinal))
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"proxy {name} ({config}) did not start listening: {logs}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var address = await DockerAsync(["inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{PrivateNetwork}\").IPAddress}}}}", name]);
        var ip = IPAddress.Parse(address.Trim());
        _proxies[ip] = name;
        return ip;
    }

    /// <summary>A proxy's log (squid's access log included), for failure messages.</summary>
    public async Task<string> LogsAsync(IPAddress proxy)
    {
        var (_, logs) = await FakeAgentImage.RunAsync("docker", ["logs", "--tail", "40", _proxies[proxy]], TimeSpan.FromSeconds(30));
        return logs;
    }

    private async Task<IPAddress> CreateNetworkAsync(string name, Func<int, string> subnet)
    {
        var start = Random.Shared.Next(1000);
        for (var i = start; i < start + 20; i++)
        {
            var range = subnet(i);
            var (code, output) = await FakeAgentImage.RunAsync("docker", ["network", "create", "--subnet", range, name], TimeSpan.FromSeconds(30));
            if (code == 0)
            {
                _networks.Add(name);
                var b = IPNetwork.Parse(range).BaseAddress.GetAddressBytes();
                b[3]++;
                return new IPAddress(b);
            }

            if (!output.Contains("overlap", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"docker network create {name} failed: {output}");
            }
        }

        throw new InvalidOperationException($"no free subnet for {name}");
    }

    private static async Task<string> DockerAsync(IReadOnlyList<string> args)
    {
        var (code, output) = await FakeAgentImage.RunAsync("docker", args, TimeSpan.FromSeconds(60));
        return code == 0 ? output : throw new InvalidOperationException($"docker {string.Join(' ', args)} failed ({code}): {output}");
    }

    /// <summary>An HTTP/1.x responder on one endpoint: reads a request head, answers 200 with its marker, closes.</summary>
    public sealed class TinyHttpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly byte[] _response;

        private TinyHttpServer(IPEndPoint endpoint, string marker)
        {
            _listener = new TcpListener(endpoint);
            _listener.Start();
            var body = marker + "\n";
            _response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
            _loop = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static TinyHttpServer Start(IPEndPoint endpoint, string marker) => new(endpoint, marker);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                _ = AnswerAsync(client);
            }
        }

        private async Task AnswerAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(TimeSpan.FromSeconds(10));
                    var stream = client.GetStream();
                    var buffer = new byte[8192];
                    var seen = new StringBuilder();
                    while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await stream.ReadAsync(buffer, timeout.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }

                    await stream.WriteAsync(_response, timeout.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
