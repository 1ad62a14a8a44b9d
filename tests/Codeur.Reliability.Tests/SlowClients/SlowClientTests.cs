using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;

namespace Codeur.Reliability.Tests.SlowClients;

/// <summary>
/// Part 2: slow headers, slow bodies, many idle connections and a connection flood against the real gateway, all
/// at once from one address, while a well-behaved client on another address keeps being served. The gateway runs
/// with short <c>client_limits</c> so the test sees them act in seconds.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SlowClientTests
{
    private const int HeaderTimeout = 2;
    private const int BodyRateGrace = 2;

    // Kestrel checks its timeouts on a one-second heartbeat; a connection that waits in the accept backlog behind the
    // flood starts its clock late; and this machine is shared: generous slack.
    private static readonly TimeSpan CloseBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SlowAndAbusiveClients_AreCutOffWithinTheLimitsWhileWellBehavedClientsAreServed()
    {
        await Suite.RequireDockerAsync();
        await using var system = await CodeurSystem.StartAsync(extraYaml: $"  client_limits: {{header_timeout: {HeaderTimeout}, min_body_rate: 240, body_rate_grace: {BodyRateGrace}, keep_alive_timeout: 5}}");
        var gateway = new IPEndPoint(IPAddress.Loopback, system.GatewayUrl.Port);
        var slowHeaders = Suite.Scale(200, 2000);
        var slowBodies = Suite.Scale(100, 1000);
        var idle = Suite.Scale(1000, 5000);
        var attackTime = TimeSpan.FromSeconds(Suite.Scale(8, 120));
        using var stop = new CancellationTokenSource();

        var closedAfter = new ConcurrentDictionary<string, ConcurrentBag<TimeSpan?>>();
        void Record(string kind, TimeSpan? elapsed) => closedAfter.GetOrAdd(kind, _ => []).Add(elapsed);

        var attacks = new List<Task>();
        attacks.AddRange(Enumerable.Range(0, slowHeaders).Select(_ => Task.Run(async () => Record("slow_headers", await HoldAsync(gateway,
            "POST /webhook/github HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), "X-Trickle: 1\r\n"u8.ToArray(), TimeSpan.FromMilliseconds(500))))));
        var bodyHead = Encoding.ASCII.GetBytes($"POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {CodeurSystem.Token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{");
        attacks.AddRange(Enumerable.Range(0, slowBodies).Select(_ => Task.Run(async () => Record("slow_bodies", await HoldAsync(gateway, bodyHead, "          "u8.ToArray(), TimeSpan.FromSeconds(1))))));
        // Idle connections open in waves, and before the flood: a connection the kernel parked because the accept
        // backlog was full sends nothing that would get it accepted, so the gateway could not time it out; that
        // would measure the kernel's SYN-ACK retries, not the gateway.
        for (var wave = 0; wave < idle; wave += 100)
        {
            attacks.AddRange(Enumerable.Range(wave, Math.Min(100, idle - wave)).Select(_ => Task.Run(async () => Record("idle", await HoldAsync(gateway, [], null, TimeSpan.Zero)))));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await Task.Delay(500, TestContext.Current.CancellationToken);
        var flooded = 0;
        var flood = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(gateway, stop.Token);
                    Interlocked.Increment(ref flooded);
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                }
            }
        })).ToList();

        // The well-behaved client comes from 127.0.0.2: the flood's address limit is not its limit.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var good = new HttpClient(handler) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(10) };
        var latencies = new List<TimeSpan>();
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < attackTime)
        {
            var one = Stopwatch.StartNew();
            try
            {
                using var response = await good.SendAsync(CodeurSystem.Bearer(HttpMethod.Get, "/status"), TestContext.Current.CancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                failures.Add(ex.GetType().Name + ": " + ex.Message);
            }

            latencies.Add(one.Elapsed);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(flood);
        await Task.WhenAll(attacks).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(failures.Count == 0, $"the well-behaved client failed {failures.Count} of {latencies.Count} times: {string.Join(", ", failures.Take(5))}");
        var sorted = latencies.Order().ToList();
        var p99 = sorted[(int)Math.Ceiling(sorted.Count * 0.99) - 1];
        Assert.InRange(p99, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        foreach (var (kind, times) in closedAfter)
        {
            var open = times.Count(t => t is null);
            Assert.True(open == 0, $"{open} {kind} connections still open after {CloseBound.TotalSeconds} s");
        }

        // The configured limits acted, not the defaults (10 s headers, 5 s body grace): cut off well before those.
        foreach (var kind in new[] { "slow_headers", "slow_bodies" })
        {
            Assert.InRange(closedAfter[kind].Max(t => t!.Value), TimeSpan.Zero, TimeSpan.FromSeconds(9));
        }

        Assert.False(system.Gateway!.HasExited);
        Suite.Report("slow_clients", new
        {
            client_limits = new { header_timeout = HeaderTimeout, min_body_rate = 240, body_rate_grace = BodyRateGrace },
            slow_header_connections = slowHeaders,
            slow_body_connections = slowBodies,
            idle_connections = idle,
            flood_connections = flooded,
            attack_seconds = attackTime.TotalSeconds,
            cut_off_after_max_seconds = closedAfter.ToDictionary(k => k.Key, k => Math.Round(k.Value.Max(t => t!.Value).TotalSeconds, 1)),
            well_behaved_requests = latencies.Count,
            well_behaved_failures = failures.Count,
            well_behaved_p50_ms = Math.Round(sorted[sorted.Count / 2].TotalMilliseconds),
            well_behaved_p99_ms = Math.Round(p99.TotalMilliseconds),
            gateway_peak_rss_mib = Math.Round(Suite.PeakRssMiB(system.Gateway.Id), 1),
        });
    }

    /// <summary>
    /// Opens a connection, sends <paramref name="head"/>, then <paramref name="trickle"/> every <paramref name="every"/>
    /// (never, when null) until the server closes it. Returns how long the server took, or null if it never did.
    /// </summary>
    private static async Task<TimeSpan?> HoldAsync(IPEndPoint server, byte[] head, byte[]? trickle, TimeSpan every)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var bound = new CancellationTokenSource(CloseBound);
        var clock = Stopwatch.StartNew();
        try
        {
            await socket.ConnectAsync(server, bound.Token);
            if (head.Length > 0)
            {
                await socket.SendAsync(head, SocketFlags.None, bound.Token);
            }

            var closed = DrainUntilClosedAsync(socket, bound.Token);
            while (trickle is not null && !closed.IsCompleted)
            {
                await Task.WhenAny(closed, Task.Delay(every, bound.Token));
                if (!closed.IsCompleted)
                {
                    await socket.SendAsync(trickle, SocketFlags.None, bound.Token);
                }
            }

            await closed;
            return clock.Elapsed;
        }
        catch (SocketException)
        {
            // A send into a connection the server already dropped: it closed it.
            return clock.Elapsed;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task DrainUntilClosedAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }
}
