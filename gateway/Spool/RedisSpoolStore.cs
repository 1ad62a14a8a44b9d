using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace Codeur.Gateway.Spool;

/// <summary>
/// A Redis stream shared by every gateway: any of them appends (XADD, bounded by a script that checks the length and
/// a byte counter atomically), and whichever holds the drain lease forwards from the head (XRANGE) and deletes an
/// entry (XDEL) only after the runner's definitive answer. One lease rather than a consumer group: a group hands
/// entries to several consumers at once, which would forward two requests of one project out of order; with a
/// lease, a gateway that dies leaves its entries at the head of the stream, and the next holder forwards them (the
/// runner dedupes the one it may have taken already). Durability is Redis's: run it with <c>appendonly yes</c> and
/// <c>appendfsync always</c> for the same promise as the file backend.
/// </summary>
internal sealed class RedisSpoolStore : ISpoolStore
{
    /// <summary>Renewed after every entry and every second while entries wait; a dead holder is replaced this long after its last renewal.</summary>
    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(10);

    private static readonly LuaScript Append = LuaScript.Prepare("""
        local n = redis.call('XLEN', @stream)
        local b = tonumber(redis.call('GET', @bytes) or '0')
        if n >= tonumber(@maxEntries) or b + tonumber(@size) > tonumber(@maxBytes) then return false end
        redis.call('INCRBY', @bytes, @size)
        return redis.call('XADD', @stream, '*', 'entry', @entry, 'size', @size)
        """);

    private static readonly LuaScript Remove = LuaScript.Prepare("""
        local size = redis.call('XRANGE', @stream, @id, @id)
        if #size == 0 then return 0 end
        redis.call('XDEL', @stream, @id)
        local fields = size[1][2]
        for i = 1, #fields, 2 do
          if fields[i] == 'size' then redis.call('DECRBY', @bytes, fields[i + 1]) end
        end
        return 1
        """);

    private static readonly LuaScript Lead = LuaScript.Prepare("""
        local holder = redis.call('GET', @lease)
        if holder == false then
          redis.call('SET', @lease, @me, 'PX', @ttl)
          return 1
        elseif holder == @me then
          redis.call('PEXPIRE', @lease, @ttl)
          return 1
        end
        return 0
        """);

    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly RedisKey _stream;
    private readonly RedisKey _bytes;
    private readonly RedisKey _lease;
    private readonly string _me = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];
    private readonly long _maxEntries;
    private readonly long _maxBytes;
    private long _known;

    public RedisSpoolStore(string connection, string prefix, long maxEntries, long maxBytes)
    {
        _stream = prefix + ":stream";
        _bytes = prefix + ":bytes";
        _lease = prefix + ":drainer";
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
        _connection = new(() =>
        {
            var options = ConfigurationOptions.Parse(connection);
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConnectTimeout = Math.Min(options.ConnectTimeout, 3000);
            options.AsyncTimeout = Math.Min(options.AsyncTimeout, 2000);
            return ConnectionMultiplexer.ConnectAsync(options);
        });
    }

    /// <summary>What this gateway knows: the length at the drainer's last read, plus its own appends since.</summary>
    public bool HasWaiting => Interlocked.Read(ref _known) > 0;

    public async Task<bool> AppendAsync(SpooledRequest request, CancellationToken cancellationToken)
    {
        var entry = JsonSerializer.SerializeToUtf8Bytes(request, SpoolJsonContext.Default.SpooledRequest);
        Interlocked.Increment(ref _known);
        var stored = false;
        try
        {
            var result = await (await DatabaseAsync()).ScriptEvaluateAsync(Append, new
            {
                stream = _stream,
                bytes = _bytes,
                maxEntries = _maxEntries,
                maxBytes = _maxBytes,
                size = entry.Length,
                entry,
            });
            stored = !result.IsNull;
            return stored;
        }
        finally
        {
            if (!stored)
            {
                Interlocked.Decrement(ref _known);
            }
        }
    }

    public async Task<IReadOnlyList<SpoolEntry>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        var entries = await (await DatabaseAsync()).StreamRangeAsync(_stream, "-", "+", count);
        var result = new List<SpoolEntry>(entries.Length);
        foreach (var entry in entries)
        {
            var request = JsonSerializer.Deserialize(((byte[]?)entry["entry"]) ?? [], SpoolJsonContext.Default.SpooledRequest);
            if (request is not null)
            {
                result.Add(new SpoolEntry(entry.Id!, request));
            }
        }

        return result;
    }

    public async Task RemoveAsync(SpoolEntry entry, CancellationToken cancellationToken)
    {
        await (await DatabaseAsync()).ScriptEvaluateAsync(Remove, new { stream = _stream, bytes = _bytes, id = entry.Handle });
        if (Interlocked.Decrement(ref _known) < 0)
        {
            Interlocked.Exchange(ref _known, 0);
        }
    }

    public async Task<SpoolStats> ReadStatsAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync();
        var length = await database.StreamLengthAsync(_stream);
        Interlocked.Exchange(ref _known, length);
        if (length == 0)
        {
            return SpoolStats.Empty;
        }

        var bytes = (long?)await database.StringGetAsync(_bytes) ?? 0;

        // Stream ids start with the append time in milliseconds: the head's id is the oldest arrival.
        var head = await database.StreamRangeAsync(_stream, "-", "+", 1);
        DateTimeOffset? oldest = head.Length > 0 && long.TryParse(((string)head[0].Id!).Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        return new SpoolStats(length, bytes, oldest);
    }

    public async Task<bool> TryLeadAsync(CancellationToken cancellationToken) =>
        (int)await (await DatabaseAsync()).ScriptEvaluateAsync(Lead, new { lease = _lease, me = _me, ttl = (long)LeaseTime.TotalMilliseconds }) == 1;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            try
            {
                await (await _connection.Value).DisposeAsync();
            }
            catch (RedisException)
            {
            }
        }
    }

    private async Task<IDatabase> DatabaseAsync() => (await _connection.Value).GetDatabase();
}
