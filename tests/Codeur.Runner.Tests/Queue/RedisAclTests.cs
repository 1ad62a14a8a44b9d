using Codeur.Tests.Shared;
using StackExchange.Redis;

namespace Codeur.Runner.Tests.Queue;

/// <summary>
/// What a compromised service could do to the other's data in a shared Redis. Each attack first succeeds on a Redis
/// without ACL users (how compose ran it before), then is refused on the Redis compose and Helm run now
/// (<see cref="AclRedisServer"/>: <c>deploy/docker/redis/codeur-redis-server</c>).
/// </summary>
public sealed class RedisAclTests : IAsyncLifetime
{
    private const string QueueTaskKey = "{codeur}:task:forged";
    private const string QueueStreamKey = "{codeur}:stream";
    private const string RateLimitKey = "rl:fw:{codeur:identity:token:victim}";

    /// <summary>A compromised service is not bound by its client library's safety switches.</summary>
    private const string Attacker = ",allowAdmin=true";

    private readonly RedisServer _open = new();
    private readonly AclRedisServer _acl = new();

    public async ValueTask InitializeAsync()
    {
        await _open.InitializeAsync();
        await _acl.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _open.DisposeAsync();
        await _acl.DisposeAsync();
    }

    /// <summary>A forged task written straight into the queue, directly and through a script.</summary>
    private static async Task ForgeQueueEntryAsync(IDatabase db)
    {
        await db.HashSetAsync(QueueTaskKey, [new HashEntry("command", "run"), new HashEntry("args", "rm -rf /workspace")]);
        await db.StreamAddAsync(QueueStreamKey, "id", "forged");
        await db.ScriptEvaluateAsync("return redis.call('zadd', ARGV[1], 0, 'forged')", [], ["{codeur}:queued"]);
    }

    /// <summary>Another identity's rate-limit window reset, so it is never limited (or set full, so it always is).</summary>
    private static async Task TamperRateLimitAsync(IDatabase db)
    {
        await db.StringSetAsync(RateLimitKey, 0);
        await db.KeyDeleteAsync(RateLimitKey);
        await db.ScriptEvaluateAsync("return redis.call('set', ARGV[1], 999999)", [], [RateLimitKey]);
    }

    [Fact(Timeout = 30_000)]
    public async Task GatewayUser_WritesQueueKeys_RefusedWhereWithoutAclItWorked()
    {
        _open.RequireAvailable();
        _acl.RequireAvailable();
        await using (var open = await ConnectionMultiplexer.ConnectAsync(_open.Connection).WaitAsync(TestContext.Current.CancellationToken))
        {
            await ForgeQueueEntryAsync(open.GetDatabase());
            Assert.Equal("run", await open.GetDatabase().HashGetAsync(QueueTaskKey, "command"));
        }

        await using var gateway = await ConnectionMultiplexer.ConnectAsync(_acl.GatewayConnection + Attacker).WaitAsync(TestContext.Current.CancellationToken);
        var db = gateway.GetDatabase();
        await AssertNoPermAsync(() => db.HashSetAsync(QueueTaskKey, "command", "run"));
        await AssertNoPermAsync(() => db.StreamAddAsync(QueueStreamKey, "id", "forged"));
        await AssertNoPermAsync(() => db.ScriptEvaluateAsync("return redis.call('zadd', ARGV[1], 0, 'forged')", [], ["{codeur}:queued"]));
        await AssertNoPermAsync(() => db.HashGetAllAsync(QueueTaskKey));
        await AssertNoPermAsync(() => db.ExecuteAsync("FLUSHALL"));
        await AssertNoPermAsync(() => db.ExecuteAsync("KEYS", "*"));
        await AssertNoPermAsync(() => db.ExecuteAsync("CONFIG", "SET", "appendonly", "no"));

        await using var runner = await ConnectionMultiplexer.ConnectAsync(_acl.RunnerConnection).WaitAsync(TestContext.Current.CancellationToken);
        Assert.False(await runner.GetDatabase().KeyExistsAsync(QueueTaskKey));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunnerUser_TouchesRateLimitKeys_RefusedWhereWithoutAclItWorked()
    {
        _open.RequireAvailable();
        _acl.RequireAvailable();
        await using (var open = await ConnectionMultiplexer.ConnectAsync(_open.Connection).WaitAsync(TestContext.Current.CancellationToken))
        {
            await TamperRateLimitAsync(open.GetDatabase());
            Assert.Equal(999999, (long)await open.GetDatabase().StringGetAsync(RateLimitKey));
        }

        await using var runner = await ConnectionMultiplexer.ConnectAsync(_acl.RunnerConnection + Attacker).WaitAsync(TestContext.Current.CancellationToken);
        var db = runner.GetDatabase();
        await AssertNoPermAsync(() => db.StringSetAsync(RateLimitKey, 0));
        await AssertNoPermAsync(() => db.KeyDeleteAsync(RateLimitKey));
        await AssertNoPermAsync(() => db.StringGetAsync(RateLimitKey));
        await AssertNoPermAsync(() => db.ScriptEvaluateAsync("return redis.call('set', ARGV[1], 999999)", [], [RateLimitKey]));
        await AssertNoPermAsync(() => db.ExecuteAsync("FLUSHALL"));
        await AssertNoPermAsync(() => db.ExecuteAsync("SCAN", "0"));
    }

    [Fact(Timeout = 30_000)]
    public async Task NoCredentials_AnyCommand_Refused()
    {
        _open.RequireAvailable();
        _acl.RequireAvailable();
        await using (var open = await ConnectionMultiplexer.ConnectAsync(_open.Connection).WaitAsync(TestContext.Current.CancellationToken))
        {
            await ForgeQueueEntryAsync(open.GetDatabase());
        }

        // Raw RESP on a socket: a client library would stop at its failed handshake; an attacker just sends.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, _acl.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("*4\r\n$4\r\nHSET\r\n$20\r\n{codeur}:task:forged\r\n$7\r\ncommand\r\n$3\r\nrun\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.StartsWith("-NOAUTH", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);

        await using var runner = await ConnectionMultiplexer.ConnectAsync(_acl.RunnerConnection).WaitAsync(TestContext.Current.CancellationToken);
        Assert.False(await runner.GetDatabase().KeyExistsAsync(QueueTaskKey));
    }

    private static async Task AssertNoPermAsync(Func<Task> attempt)
    {
        var error = await Assert.ThrowsAsync<RedisServerException>(attempt);
        // NOPERM for a command or key; from inside a script, "can't access" (a key) or "can't run" (a command).
        Assert.True(
            error.Message.Contains("NOPERM", StringComparison.Ordinal) || error.Message.Contains("can't access", StringComparison.Ordinal)
                || error.Message.Contains("can't run this command", StringComparison.Ordinal),
            error.Message);
    }
}
