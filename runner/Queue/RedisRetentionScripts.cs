namespace Codeur.Runner.Queue;

/// <summary>The Redis queue's retention script (key layout in <see cref="RedisQueueScripts"/>).</summary>
internal static class RedisRetentionScripts
{
    /// <summary>
    /// ARGV: prefix, task cutoff, output cutoff, dedupe cutoff (unix ms; '' keeps that kind), batch, cursor (the last
    /// seq looked at). Walks <c>P:all</c> in seq order from the cursor, at most <c>batch</c> ids per call, so Redis is
    /// never held for long. Only final tasks are touched, and never one whose scope is still fenced (a dead runner's
    /// container may run; its fence names the task). Tasks end roughly in seq order and cannot end before they were
    /// created, so the walk stops at the first task created after the newest cutoff. Returns {tasks deleted, outputs
    /// cleared, dedupe keys released, next cursor or -1 when done}.
    /// </summary>
    public const string Prune = """
        local P = ARGV[1]
        local task_cut, out_cut, dedupe_cut = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local batch, cursor = tonumber(ARGV[5]), ARGV[6]
        local newest = math.max(task_cut or 0, out_cut or 0, dedupe_cut or 0)
        local final = {succeeded = true, failed = true, timed_out = true, oom_killed = true, output_limit = true,
                       cancelled = true, interrupted = true, rejected = true}
        local tasks, outputs, dedupes = 0, 0, 0
        local ids = redis.call('ZRANGEBYSCORE', P .. ':all', '(' .. cursor, '+inf', 'WITHSCORES', 'LIMIT', 0, batch)
        if #ids == 0 then return {0, 0, 0, -1} end
        local last = cursor
        for i = 1, #ids, 2 do
          local id = ids[i]
          last = ids[i + 1]
          local key = P .. ':task:' .. id
          local t = redis.call('HMGET', key, 'state', 'finished_at', 'created_at', 'dedupe_key')
          if t[3] and tonumber(t[3]) >= newest then return {tasks, outputs, dedupes, -1} end
          local ended = t[1] and final[t[1]] and t[2] and redis.call('ZSCORE', P .. ':fenced', id) == false
          if not t[1] then
            redis.call('ZREM', P .. ':all', id)
          elseif ended then
            local finished = tonumber(t[2])
            local release_dedupe = t[4] and (task_cut and finished < task_cut or dedupe_cut and finished < dedupe_cut)
            if release_dedupe then
              if redis.call('GET', P .. ':dedupe:' .. t[4]) == id then redis.call('DEL', P .. ':dedupe:' .. t[4]) end
            end
            if task_cut and finished < task_cut then
              redis.call('DEL', key)
              redis.call('ZREM', P .. ':all', id)
              tasks = tasks + 1
            else
              if out_cut and finished < out_cut and redis.call('HDEL', key, 'output', 'output_object') >= 1 then outputs = outputs + 1 end
              if release_dedupe then
                redis.call('HDEL', key, 'dedupe_key')
                dedupes = dedupes + 1
              end
            end
          end
        end
        return {tasks, outputs, dedupes, last}
        """;
}
