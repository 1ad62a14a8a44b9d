using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.Runner.Tests.Queue;

/// <summary>
/// The whole queue contract as the runner's ACL user (<c>codeur-runner</c>) on a Redis started the way compose and
/// Helm start it (<see cref="AclRedisServer"/>), under the production key prefix: every script and direct command the
/// queue uses is within that user's permissions. One server per test, since the prefix is fixed.
/// </summary>
public sealed class RedisAclQueueContractTests : TaskQueueContractTests, IAsyncLifetime
{
    private readonly AclRedisServer _redis = new();
    private readonly List<RedisTaskQueue> _queues = [];

    protected override bool WorktreeRunsShareTheirProject => false;

    public ValueTask InitializeAsync() => _redis.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    protected override async Task<ITaskQueue> CreateQueueAsync(int capacity = 1000)
    {
        _redis.RequireAvailable();
        var queue = new RedisTaskQueue(
            new QueueSection { Backend = "redis", Connection = _redis.RunnerConnection, Capacity = capacity },
            Time,
            NullLogger<RedisTaskQueue>.Instance);
        _queues.Add(queue);
        await queue.InitializeAsync(TestContext.Current.CancellationToken);
        return queue;
    }
}
