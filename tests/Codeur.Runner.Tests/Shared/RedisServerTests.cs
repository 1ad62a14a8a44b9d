using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Codeur.Tests.Shared;

namespace Codeur.Runner.Tests.Shared;

/// <summary>
/// The Redis fixture's own promises, which the Redis suites rely on: the container carries the labels tests/run.sh
/// sweeps by, it is published on loopback only, a kill makes it unreachable, and dispose removes it (Ryuk is off, so
/// nothing else would).
/// </summary>
public sealed class RedisServerTests
{
    [Fact(Timeout = 120_000)]
    public async Task Lifecycle_StartKillDispose_LabelledLoopbackOnlyUnreachableThenGone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var docker = TestContainers.CreateDockerClient();
        var redis = new AclRedisServer();
        string id;
        try
        {
            await redis.InitializeAsync();
            redis.RequireAvailable();
            id = redis.ContainerId!;

            var inspected = await docker.Containers.InspectContainerAsync(id, ct);
            Assert.Equal("redis", inspected.Config!.Labels[TestContainers.Label]);
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), inspected.Config.Labels[TestContainers.OwnerLabel]);
            var binding = Assert.Single(Assert.Single(inspected.HostConfig!.PortBindings).Value);
            Assert.Equal("127.0.0.1", binding.HostIP);
            Assert.Equal(["codeur-redis-server"], inspected.Config.Entrypoint);
            Assert.True(await ConnectsAsync(redis.Port));

            await redis.KillAsync();

            Assert.False(await ConnectsAsync(redis.Port));
            Assert.False((await docker.Containers.InspectContainerAsync(id, ct)).State!.Running);
        }
        finally
        {
            await redis.DisposeAsync();
        }

        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => docker.Containers.InspectContainerAsync(id, ct));
    }

    private static async Task<bool> ConnectsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
            await client.GetStream().WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            return await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5)) > 0;
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }
}
