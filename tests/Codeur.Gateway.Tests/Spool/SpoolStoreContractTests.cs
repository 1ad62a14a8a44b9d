using Codeur.Gateway.Spool;
using Codeur.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.Gateway.Tests.Spool;

/// <summary>
/// One contract, run against the file store and the Redis store (a real Redis, one container per class: each test has
/// its own key prefix).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SpoolStoreContractTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    private readonly RedisServer _redis = redis;
    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-spool-").FullName;
    private readonly string _prefix = "test:" + Guid.NewGuid().ToString("N")[..8];

    public static TheoryData<string> Backends => ["file", "redis"];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AppendPeekRemove_ArrivalOrderKeptAndBytesExact(string backend)
    {
        await using var store = Create(backend);
        Assert.False(store.HasWaiting);
        var body = new byte[] { 0, 1, 2, 255, 13, 10, (byte)'"' };
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await store.AppendAsync(Request(i, body), Ct));
        }

        Assert.True(store.HasWaiting);
        var entries = await store.PeekAsync(10, Ct);
        Assert.Equal(["r0", "r1", "r2", "r3", "r4"], entries.Select(e => e.Request.Id));
        Assert.Equal(body, entries[0].Request.Body);
        Assert.Equal("delivery-0", entries[0].Request.Headers["X-GitHub-Delivery"]);

        await store.RemoveAsync(entries[0], Ct);
        await store.RemoveAsync(entries[1], Ct);
        var stats = await store.ReadStatsAsync(Ct);
        Assert.Equal(3, stats.Entries);
        Assert.NotNull(stats.OldestArrival);
        Assert.Equal(["r2", "r3", "r4"], (await store.PeekAsync(10, Ct)).Select(e => e.Request.Id));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Append_PastMaxEntriesOrMaxBytes_Refused(string backend)
    {
        await using (var few = Create(backend, maxEntries: 2))
        {
            Assert.True(await few.AppendAsync(Request(0, [1]), Ct));
            Assert.True(await few.AppendAsync(Request(1, [1]), Ct));
            Assert.False(await few.AppendAsync(Request(2, [1]), Ct));
            Assert.Equal(2, (await few.ReadStatsAsync(Ct)).Entries);
        }

        await using var small = Create(backend, prefix: _prefix + ":small", directory: Path.Combine(_directory, "small"), maxBytes: 2048);
        Assert.True(await small.AppendAsync(Request(0, new byte[500]), Ct));
        Assert.False(await small.AppendAsync(Request(1, new byte[1500]), Ct));
        Assert.Equal(1, (await small.ReadStatsAsync(Ct)).Entries);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task NewInstance_SeesWhatTheOldOneStored(string backend)
    {
        await using (var before = Create(backend))
        {
            Assert.True(await before.AppendAsync(Request(0, [7]), Ct));
            Assert.True(await before.AppendAsync(Request(1, [8]), Ct));
        }

        await using var after = Create(backend);
        Assert.Equal(["r0", "r1"], (await after.PeekAsync(10, Ct)).Select(e => e.Request.Id));
        Assert.Equal(2, (await after.ReadStatsAsync(Ct)).Entries);
    }

    [Fact]
    public async Task FileStore_TemporaryFileOfACrashedAppend_IsNotAnEntry()
    {
        await using (var store = Create("file"))
        {
            Assert.True(await store.AppendAsync(Request(0, [1]), Ct));
        }

        await File.WriteAllTextAsync(Path.Combine(_directory, "0000000000000000001-half.req.tmp"), "{\"id\":", Ct);
        await using var restarted = Create("file");
        Assert.Equal(["r0"], (await restarted.PeekAsync(10, Ct)).Select(e => e.Request.Id));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Directory.GetFiles(_directory, "*.req")[0]));
    }

    [Fact]
    public async Task RedisStore_OneDrainerAtATime_AnotherTakesOverWhenTheLeaseLapses()
    {
        await using var first = Create("redis");
        await using var second = Create("redis");
        Assert.True(await first.TryLeadAsync(Ct));
        Assert.False(await second.TryLeadAsync(Ct));
        Assert.True(await first.TryLeadAsync(Ct));

        // The holder dies: its lease lapses (10 s) and the other gateway leads.
        await first.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await second.TryLeadAsync(Ct))
        {
            Assert.True(DateTime.UtcNow < deadline, "the lease never passed to the second gateway");
            await Task.Delay(250, Ct);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ISpoolStore Create(string backend, long maxEntries = 100, long maxBytes = 1 << 20, string? prefix = null, string? directory = null)
    {
        if (backend == "redis")
        {
            _redis.RequireAvailable();
            return new RedisSpoolStore(_redis.Connection, prefix ?? _prefix, maxEntries, maxBytes);
        }

        return new FileSpoolStore(directory ?? _directory, maxEntries, maxBytes, TimeProvider.System, NullLogger<FileSpoolStore>.Instance);
    }

    private static SpooledRequest Request(int n, byte[] body) => new()
    {
        Id = "r" + n,
        ArrivedAt = DateTimeOffset.UtcNow,
        Method = "POST",
        Path = "/webhook/github",
        Platform = "github",
        Identity = "github",
        AuthMethod = "signature",
        Headers = new(StringComparer.OrdinalIgnoreCase) { ["X-GitHub-Delivery"] = "delivery-" + n, ["Content-Type"] = "application/json" },
        Body = body,
    };
}
