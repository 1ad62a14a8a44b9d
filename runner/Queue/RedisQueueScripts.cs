namespace Codeur.Runner.Queue;

/// <summary>
/// The Redis queue's Lua scripts. Each runs atomically on the server, so a claim's pick, lock and mark, or an
/// enqueue's dedupe check, capacity check and insert, can never interleave with another runner's or gateway's.
/// </summary>
/// <remarks>
/// Keys (all under one prefix with a hash tag, <c>{codeur}</c> by default, so they share a cluster slot):
/// <list type="bullet">
/// <item><c>P:task:ID</c> hash: the task record plus <c>scope</c> (lock scope), <c>fence</c>, <c>entry</c> (stream entry
/// while claimed) and <c>started</c> (the worker passed the point of no return).</item>
/// <item><c>P:seq</c>, <c>P:fence</c>: counters for the FIFO sequence and the fencing tokens.</item>
/// <item><c>P:dedupe:KEY</c> → task id. <c>P:all</c>, <c>P:queued</c>, <c>P:running</c>: sorted sets of ids by seq.</item>
/// <item><c>P:line:SCOPE</c>: the scope's queued task ids by seq. <c>P:ready</c>: scopes with a queued task and nothing
/// running, scored by the seq of their oldest queued task, so the claim takes the oldest claimable task in O(log n).</item>
/// <item><c>P:active</c> hash scope → running task id: the durable "this scope is taken".</item>
/// <item><c>P:lock:SCOPE</c> = <c>owner|fence</c> with a PX lease: the holder's lock, renewed by its heartbeat; or
/// <c>fenced|ID</c> while a dead runner's task's container may still run. <c>P:fenced</c>: those task ids by the time
/// their fence ends at the latest.</item>
/// <item><c>P:stream</c> with consumer group <c>runners</c>: the ledger of claims. A claim adds an entry and reads it
/// into the claiming runner's pending list; completion acknowledges and deletes it; the heartbeat re-claims its own
/// entries (resetting their idle time); an entry idle longer than the lease belongs to a runner that stopped
/// heartbeating, and <c>XAUTOCLAIM</c> hands it to whoever sweeps.</item>
/// </list>
/// Every script gets the prefix as ARGV[1] and the stream key as KEYS[1] (for routing).
/// </remarks>
internal static class RedisQueueScripts
{
    public const string Group = "runners";

    private const string Common = """
        local P = ARGV[1]
        local STREAM = KEYS[1]
        local GROUP = 'runners'
        local function tk(id) return P .. ':task:' .. id end
        local function record(id) return redis.call('HGETALL', tk(id)) end
        -- Puts the scope's oldest queued task up for claiming, unless a task of the scope is running.
        local function refresh_ready(scope)
          if redis.call('HEXISTS', P .. ':active', scope) == 1 then return end
          local head = redis.call('ZRANGE', P .. ':line:' .. scope, 0, 0, 'WITHSCORES')
          if head[1] then
            redis.call('ZADD', P .. ':ready', head[2], scope)
          else
            redis.call('ZREM', P .. ':ready', scope)
          end
        end
        -- A claimed task leaves the running set and the claim ledger, and frees its scope's lock and slot.
        local function let_go(id)
          local t = redis.call('HMGET', tk(id), 'scope', 'owner', 'entry')
          redis.call('ZREM', P .. ':running', id)
          if t[3] then
            redis.call('XACK', STREAM, GROUP, t[3])
            redis.call('XDEL', STREAM, t[3])
          end
          if redis.call('HGET', P .. ':active', t[1]) == id then
            redis.call('HDEL', P .. ':active', t[1])
            redis.call('DEL', P .. ':lock:' .. t[1])
          end
          redis.call('HDEL', tk(id), 'entry', 'fence', 'started')
          refresh_ready(t[1])
        end
        local function interrupt(id, now, err)
          redis.call('HSET', tk(id), 'state', 'interrupted', 'finished_at', now, 'error', err)
          let_go(id)
        end
        -- The scope is taken until something frees it: a task taken over from a dead runner while its container may
        -- still run keeps its scope fenced until the sweeper killed that container (Unfence) or its deadline passed.
        local function free_fenced(id)
          local scope = redis.call('HGET', tk(id), 'scope')
          redis.call('ZREM', P .. ':fenced', id)
          if scope and redis.call('HGET', P .. ':active', scope) == id and redis.call('HGET', tk(id), 'state') ~= 'running' then
            redis.call('HDEL', P .. ':active', scope)
            redis.call('DEL', P .. ':lock:' .. scope)
            refresh_ready(scope)
            return 1
          end
          return 0
        end
        local function release(id)
          local seq = redis.call('HGET', tk(id), 'seq')
          local scope = redis.call('HGET', tk(id), 'scope')
          let_go(id)
          redis.call('HSET', tk(id), 'state', 'queued')
          redis.call('HDEL', tk(id), 'owner', 'started_at', 'container_id')
          redis.call('ZADD', P .. ':queued', seq, id)
          redis.call('ZADD', P .. ':line:' .. scope, seq, id)
          refresh_ready(scope)
        end

        """;

    /// <summary>ARGV: prefix, id, capacity, dedupe key ('' for none), scope, then the record's field/value pairs.</summary>
    public const string Enqueue = Common + """
        local id, cap, dedupe, scope = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
        if dedupe ~= '' then
          local existing = redis.call('GET', P .. ':dedupe:' .. dedupe)
          if existing then
            local pos = 0
            if redis.call('HGET', tk(existing), 'state') == 'queued' then
              pos = redis.call('ZCOUNT', P .. ':queued', '-inf', redis.call('HGET', tk(existing), 'seq'))
            end
            return {'duplicate', pos, record(existing)}
          end
        end
        if redis.call('ZCARD', P .. ':queued') + redis.call('ZCARD', P .. ':running') >= cap then
          return {'full', 0, {}}
        end
        local seq = redis.call('INCR', P .. ':seq')
        redis.call('HSET', tk(id), 'seq', seq, 'scope', scope, 'state', 'queued', unpack(ARGV, 6))
        redis.call('ZADD', P .. ':all', seq, id)
        redis.call('ZADD', P .. ':queued', seq, id)
        redis.call('ZADD', P .. ':line:' .. scope, seq, id)
        if dedupe ~= '' then redis.call('SET', P .. ':dedupe:' .. dedupe, id) end
        refresh_ready(scope)
        return {'created', redis.call('ZCARD', P .. ':queued'), record(id)}
        """;

    /// <summary>
    /// ARGV: prefix, owner, now (unix ms), lease (ms). Takes the oldest queued task whose scope has nothing running,
    /// takes its scope's lock with a new fencing token, records the claim in the stream (into the owner's pending
    /// list) and marks the task running. Returns {fence, record} or nil.
    /// </summary>
    public const string Claim = Common + """
        local owner, now, lease = ARGV[2], ARGV[3], ARGV[4]
        local scope, id
        repeat
          scope = redis.call('ZRANGE', P .. ':ready', 0, 0)[1]
          if not scope then return false end
          redis.call('ZREM', P .. ':ready', scope)
          -- A ready scope always has a queued task; one that has none is dropped and the next one tried.
          id = redis.call('ZRANGE', P .. ':line:' .. scope, 0, 0)[1]
        until id
        local seq = redis.call('HGET', tk(id), 'seq')
        redis.call('ZREM', P .. ':line:' .. scope, id)
        redis.call('ZREM', P .. ':queued', id)
        local fence = redis.call('INCR', P .. ':fence')
        local entry = redis.call('XADD', STREAM, '*', 'id', id)
        -- Every entry is added here and read at once, so the only undelivered entry is this one.
        redis.call('XREADGROUP', 'GROUP', GROUP, owner, 'COUNT', 1, 'STREAMS', STREAM, '>')
        redis.call('HSET', P .. ':active', scope, id)
        redis.call('SET', P .. ':lock:' .. scope, owner .. '|' .. fence, 'PX', lease)
        redis.call('ZADD', P .. ':running', seq, id)
        redis.call('HDEL', tk(id), 'started', 'container_id')
        redis.call('HSET', tk(id), 'state', 'running', 'owner', owner, 'started_at', now, 'fence', fence, 'entry', entry)
        return {fence, record(id)}
        """;

    /// <summary>
    /// ARGV: prefix, id, fence. The worker is about to start the task: from here on a lost runner's
    /// task is interrupted, never re-run. Returns the record, or nil if the task is no longer this holder's.
    /// </summary>
    public const string Begin = Common + """
        local id, fence = ARGV[2], ARGV[3]
        local t = redis.call('HMGET', tk(id), 'state', 'fence')
        if t[1] ~= 'running' or t[2] ~= fence then return false end
        redis.call('HSET', tk(id), 'started', '1')
        return record(id)
        """;

    /// <summary>ARGV: prefix, id, fence, container id.</summary>
    public const string SetContainer = Common + """
        local id, fence = ARGV[2], ARGV[3]
        local t = redis.call('HMGET', tk(id), 'state', 'fence')
        if t[1] ~= 'running' or t[2] ~= fence then return 0 end
        redis.call('HSET', tk(id), 'container_id', ARGV[4], 'started', '1')
        return 1
        """;

    /// <summary>ARGV: prefix, id, fence. A claimed task that never started goes back in its line at its place.</summary>
    public const string Release = Common + """
        local id, fence = ARGV[2], ARGV[3]
        local t = redis.call('HMGET', tk(id), 'state', 'fence')
        if t[1] ~= 'running' or t[2] ~= fence then return 0 end
        release(id)
        return 1
        """;

    /// <summary>ARGV: prefix, id, fence, then the outcome's field/value pairs (state, finished_at...).</summary>
    public const string Complete = Common + """
        local id, fence = ARGV[2], ARGV[3]
        local t = redis.call('HMGET', tk(id), 'state', 'fence')
        if t[1] ~= 'running' or t[2] ~= fence then return 0 end
        redis.call('HSET', tk(id), unpack(ARGV, 4))
        let_go(id)
        return 1
        """;

    /// <summary>ARGV: prefix, id, now. Queued: cancelled at once. Running: flagged. Returns the record or nil.</summary>
    public const string Cancel = Common + """
        local id, now = ARGV[2], ARGV[3]
        if redis.call('EXISTS', tk(id)) == 0 then return false end
        local t = redis.call('HMGET', tk(id), 'state', 'scope')
        if t[1] == 'queued' then
          redis.call('HSET', tk(id), 'state', 'cancelled', 'finished_at', now, 'cancel_requested', '1')
          redis.call('ZREM', P .. ':queued', id)
          redis.call('ZREM', P .. ':line:' .. t[2], id)
          refresh_ready(t[2])
        elseif t[1] == 'running' then
          redis.call('HSET', tk(id), 'cancel_requested', '1')
        end
        return record(id)
        """;

    /// <summary>ARGV: prefix, owner ('' = every owner), now, error. Returns the interrupted records.</summary>
    public const string InterruptRunning = Common + """
        local owner, now, err = ARGV[2], ARGV[3], ARGV[4]
        local out = {}
        for _, id in ipairs(redis.call('ZRANGE', P .. ':running', 0, -1)) do
          if owner == '' or redis.call('HGET', tk(id), 'owner') == owner then
            interrupt(id, now, err)
            table.insert(out, record(id))
          end
        end
        return out
        """;

    /// <summary>
    /// ARGV: prefix, owner, lease (ms), then id, fence pairs of the tasks the owner believes it holds. The heartbeat:
    /// renews the lock of each task still held under that fence and re-claims its stream entry to the owner (resetting
    /// its idle time, so XAUTOCLAIM leaves it alone). A lock that lapsed while nobody swept is taken again (the task is
    /// still this owner's). Returns {ids the owner no longer holds, held ids whose cancel was requested (through any
    /// runner's API)}.
    /// </summary>
    public const string Renew = Common + """
        local owner, lease = ARGV[2], ARGV[3]
        local lost, entries, cancel = {}, {}, {}
        for i = 4, #ARGV, 2 do
          local id, fence = ARGV[i], ARGV[i + 1]
          local t = redis.call('HMGET', tk(id), 'state', 'owner', 'fence', 'scope', 'entry', 'cancel_requested')
          if t[1] == 'running' and t[2] == owner and t[3] == fence and t[5] and redis.call('HGET', P .. ':active', t[4]) == id then
            redis.call('SET', P .. ':lock:' .. t[4], owner .. '|' .. fence, 'PX', lease)
            table.insert(entries, t[5])
            if t[6] == '1' then table.insert(cancel, id) end
          else
            table.insert(lost, id)
          end
        end
        if #entries > 0 then
          local args = {'XCLAIM', STREAM, GROUP, owner, 0}
          for _, entry in ipairs(entries) do table.insert(args, entry) end
          table.insert(args, 'JUSTID')
          redis.call(unpack(args))
        end
        return {lost, cancel}
        """;

    /// <summary>
    /// ARGV: prefix, sweeper, now, lease (ms), error, longest a task may run (ms, deadline plus slack). Takes over claim entries idle longer than the lease (their
    /// runner stopped renewing) with XAUTOCLAIM: a task that had started becomes interrupted; one that had not goes
    /// back in its line at its place, for any runner to claim. Returns {interrupted ids, released ids}.
    /// </summary>
    public const string Reclaim = Common + """
        local sweeper, now, lease, err, deadline = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
        local interrupted, released = {}, {}
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':fenced', '-inf', now)) do
          free_fenced(id)
        end
        local cursor = '0-0'
        for _ = 1, 100 do
          local r = redis.call('XAUTOCLAIM', STREAM, GROUP, sweeper, lease, cursor, 'COUNT', 10)
          cursor = r[1]
          for _, e in ipairs(r[2]) do
            local entry, fields = e[1], e[2]
            local id = fields[2]
            local t = redis.call('HMGET', tk(id), 'state', 'entry', 'started', 'scope')
            if t[1] ~= 'running' or t[2] ~= entry then
              redis.call('XACK', STREAM, GROUP, entry)
              redis.call('XDEL', STREAM, entry)
            elseif redis.call('EXISTS', P .. ':lock:' .. t[4]) == 1 then
              -- Still locked: its holder is alive after all (renewed just now). Leave it; its heartbeat takes it back.
            elseif t[3] == '1' then
              -- Started: interrupted, never re-run. Its container may outlive its runner, so the scope stays
              -- taken (fenced) until the sweeper has killed it or the task's deadline has passed.
              local started_at = tonumber(redis.call('HGET', tk(id), 'started_at'))
              local hold = math.max(1000, started_at + deadline - tonumber(now))
              redis.call('HSET', tk(id), 'state', 'interrupted', 'finished_at', now, 'error', err)
              redis.call('ZREM', P .. ':running', id)
              redis.call('XACK', STREAM, GROUP, entry)
              redis.call('XDEL', STREAM, entry)
              redis.call('HDEL', tk(id), 'entry', 'fence', 'started')
              redis.call('SET', P .. ':lock:' .. t[4], 'fenced|' .. id, 'PX', hold)
              redis.call('ZADD', P .. ':fenced', tonumber(now) + hold, id)
              table.insert(interrupted, id)
            else
              release(id)
              table.insert(released, id)
            end
          end
          if cursor == '0-0' then break end
        end
        return {interrupted, released}
        """;

    /// <summary>ARGV: prefix, id. Frees the scope of a task taken over from a dead runner once its container is known dead.</summary>
    public const string Unfence = Common + """
        return free_fenced(ARGV[2])
        """;

    /// <summary>ARGV: prefix, count. The newest records first.</summary>
    public const string Recent = Common + """
        local out = {}
        for _, id in ipairs(redis.call('ZREVRANGE', P .. ':all', 0, tonumber(ARGV[2]) - 1)) do
          table.insert(out, record(id))
        end
        return out
        """;

    /// <summary>
    /// ARGV: prefix, before (exclusive seq, or empty), limit, budget, states (comma-separated names, or empty for all),
    /// project (or empty), requester text (lower case, or empty). Walks <c>P:all</c> newest first, examining at most
    /// budget tasks so one call never holds the server long, and returns {records without output..., next seq or ''}.
    /// </summary>
    public const string List = Common + """
        local before, limit, budget = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
        local states, project, requester = nil, ARGV[6], ARGV[7]
        if ARGV[5] ~= '' then
          states = {}
          for name in string.gmatch(ARGV[5], '[^,]+') do states[name] = true end
        end
        local max = before == '' and '+inf' or ('(' .. before)
        local ids = redis.call('ZREVRANGEBYSCORE', P .. ':all', max, '-inf', 'WITHSCORES', 'LIMIT', 0, budget + 1)
        local out, examined, next = {}, 0, ''
        for i = 1, #ids, 2 do
          if examined == budget then
            next = ids[i - 1]
            break
          end
          examined = examined + 1
          local t = redis.call('HMGET', tk(ids[i]), 'state', 'project', 'requester')
          if t[1] and (states == nil or states[t[1]]) and (project == '' or t[2] == project)
              and (requester == '' or string.find(string.lower(t[3]), requester, 1, true)) then
            if #out == limit then
              next = ids[i - 1] -- the score of the previous entry: everything older than it is still to see
              break
            end
            local flat, summary = record(ids[i]), {}
            for j = 1, #flat, 2 do
              if flat[j] ~= 'output' then
                table.insert(summary, flat[j])
                table.insert(summary, flat[j + 1])
              end
            end
            table.insert(out, summary)
          end
        end
        table.insert(out, next)
        return out
        """;
}
