using System.Net;
using System.Net.Sockets;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real Redis of the test's own: a container (Testcontainers) from the image compose and Helm run
/// (<c>deploy/docker/redis</c>, built offline by <c>tests/images/build.sh redis</c>), published on a free loopback port
/// and removed on dispose. No Docker engine or image means FAIL when <c>CODEUR_REQUIRE_REDIS=1</c> or <c>CI=true</c>, and a
/// loud skip otherwise (<see cref="RequireAvailable"/>).
/// </summary>
public class RedisServer : IAsyncLifetime
{
    private const int RedisPort = 6379;

    private IContainer? _container;
    private string? _unavailable;

    public int Port { get; private set; }

    /// <summary>The container's id once started.</summary>
    public string? ContainerId => _container?.Id;

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string Connection => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>The program the container runs with redis-server's arguments.</summary>
    protected virtual string Entrypoint => "redis-server";

    /// <summary>Last say over the container before it starts (environment).</summary>
    protected virtual ContainerBuilder Configure(ContainerBuilder builder) => builder;

    public async ValueTask InitializeAsync()
    {
        try
        {
            var image = await TestContainers.ImageAsync("redis");
            _container = Configure(TestContainers.Builder(image, "redis")
                    .WithEntrypoint(Entrypoint)
                    // No persistence (the tests never restart it) and no protected mode: only the loopback publication below reaches it.
                    .WithCommand("--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", "/data")
                    .WithPortBinding(RedisPort, assignRandomHostPort: true)
                    .WithCreateParameterModifier(PublishOnLoopback)
                    // Polled every 50 ms, not the default second: a fresh server per test is the price of several suites.
                    .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Ready to accept connections", wait => wait.WithInterval(TimeSpan.FromMilliseconds(50)))))
                .Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _container.StartAsync(timeout.Token);
            Port = _container.GetMappedPublicPort(RedisPort);
            if (!await AnswersAsync(Port))
            {
                _unavailable = "the Redis container started but does not answer on 127.0.0.1:" + Port + ":\n" + await LogsAsync();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _unavailable = "no Redis container (Docker engine and tests/images/build.sh redis; tests/run.sh does both): " + ex.Message;
        }
    }

    /// <summary>Skips (or, in CI, fails) the calling test when no Redis could be started.</summary>
    public void RequireAvailable()
    {
        if (_unavailable is not null)
        {
            TestContainers.Unavailable(_unavailable);
        }
    }

    /// <summary>Stops the server abruptly (SIGKILL to the container, as a crash would) to test what happens when Redis is unreachable.</summary>
    public async Task KillAsync()
    {
        if (_container is null)
        {
            return;
        }

        using var client = TestContainers.CreateDockerClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.Containers.KillContainerAsync(_container.Id, new ContainerKillParameters { Signal = "KILL" }, timeout.Token);
        // Killed means gone for a client: wait until the published port refuses.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && await ConnectsAsync(Port))
        {
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_container is not null)
        {
            // Without Ryuk this is what removes the container (tests/run.sh sweeps what a killed test host left).
            await _container.DisposeAsync();
        }
    }

    /// <summary>The container's output, for failure messages.</summary>
    public async Task<string> LogsAsync()
    {
        if (_container is null)
        {
            return "";
        }

        var (stdout, stderr) = await _container.GetLogsAsync();
        return stdout + stderr;
    }

    /// <summary>Docker publishes on every host address by default: a Redis without a password stays on loopback.</summary>
    private static void PublishOnLoopback(CreateContainerParameters parameters)
    {
        foreach (var bindings in parameters.HostConfig?.PortBindings?.Values ?? [])
        {
            foreach (var binding in bindings ?? [])
            {
                binding.HostIP = "127.0.0.1";
            }
        }
    }

    private static async Task<bool> ConnectsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
            // docker-proxy accepts while the container lives; afterwards the port refuses.
            var buffer = new byte[1];
            await client.GetStream().WriteAsync("PING\r\n"u8.ToArray());
            return await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2)) > 0;
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                // +PONG, or -NOAUTH from a server whose default user is off: either way it answers.
                if (read > 0 && (buffer[0] == (byte)'+' || System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("-NOAUTH", StringComparison.Ordinal)))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }

            await Task.Delay(50);
        }

        return false;
    }
}
