using System.Globalization;
using StackExchange.Redis;

namespace Codeur.Runner.Queue;

/// <summary>Retention on Redis: <see cref="RedisRetentionScripts.Prune"/> walks the tasks a batch per call.</summary>
internal sealed partial class RedisTaskQueue : ITaskRetention
{
    public async Task<PruneCounts> PruneAsync(RetentionCutoffs cutoffs, int batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        if (cutoffs is { Tasks: null, Outputs: null, DedupeKeys: null })
        {
            return default;
        }

        // One call walks one batch; the loop here ends at the newest cutoff, so a pass costs what it prunes plus one batch.
        int tasks = 0, outputs = 0, dedupe = 0;
        RedisValue cursor = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var result = (RedisResult[])(await EvalAsync(RedisRetentionScripts.Prune,
                [_prefix, Ms(cutoffs.Tasks), Ms(cutoffs.Outputs), Ms(cutoffs.DedupeKeys), batch, cursor], cancellationToken))!;
            tasks += (int)result[0];
            outputs += (int)result[1];
            dedupe += (int)result[2];
            var next = (string)result[3]!;
            if (next == "-1")
            {
                break;
            }

            cursor = next;
        }

        return new PruneCounts(tasks, outputs, dedupe);
    }

    public async Task<long> SizeAsync(CancellationToken cancellationToken)
    {
        // INFO through a script: StackExchange.Redis refuses INFO as a command without allowAdmin, which a queue
        // connection should not need.
        var info = (string?)await EvalAsync("return redis.call('INFO', 'memory')", [], cancellationToken) ?? "";
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("used_memory:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("used_memory:".Length).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>Redis frees a deleted key's memory itself; nothing to give back.</summary>
    public Task<long> ReclaimAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

    private static RedisValue Ms(DateTimeOffset? cutoff) => cutoff is { } c ? c.ToUnixTimeMilliseconds() : "";
}
