using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Codeur.Gateway.Tests.Infrastructure;
using Codeur.Tests.Shared;

namespace Codeur.Gateway.Tests.RateLimiting;

/// <summary>
/// Two real gateways sharing one real redis-server: the per-identity limit holds across both, and when Redis dies the
/// limit fails open to each gateway's own window (documented in docs/SCALING.md) instead of failing requests.
/// </summary>
public sealed class SharedRateLimitTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();

    public ValueTask InitializeAsync() => _redis.InitializeAsync();

    public ValueTask DisposeAsync() => _redis.DisposeAsync();

    private string Config(int limit) => $"""
          auth_token: "main-token-0123456789"
          rate_limit: {limit}
          queue: {"{"}backend: redis, connection: "{_redis.Connection}"{"}"}
        """;

    private static HttpRequestMessage Task()
    {
        var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
        return request;
    }

    [Fact(Timeout = 60_000)]
    public async Task Post_AcrossTwoGateways_SharedLimitHoldsAndRejectionsCarryRetryAfter()
    {
        _redis.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var a = await GatewayHost.StartAsync(Config(10), upstream.Address);
        await using var b = await GatewayHost.StartAsync(Config(10), upstream.Address);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 24; i++)
        {
            using var response = await (i % 2 == 0 ? a : b).Client.SendAsync(Task(), ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Assert.InRange(response.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(61));
            }
        }

        // Alone, each gateway would have let 10 through (20 in all); together they let exactly 10 through.
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(14, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(10, upstream.Requests.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task Post_RedisDown_FailsOpenToEachGatewaysOwnLimitAndHealthNamesRedis()
    {
        _redis.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var a = await GatewayHost.StartAsync(Config(5), upstream.Address);
        await using var b = await GatewayHost.StartAsync(Config(5), upstream.Address);
        Assert.Equal("healthy", await RedisHealthAsync(a, ct));

        await _redis.KillAsync();

        var fromA = new List<HttpStatusCode>();
        var fromB = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var ra = await a.Client.SendAsync(Task(), ct);
            fromA.Add(ra.StatusCode);
            using var rb = await b.Client.SendAsync(Task(), ct);
            fromB.Add(rb.StatusCode);
        }

        // Open, not unlimited: each gateway still admits its own 5 and rejects the rest; nothing fails with a 5xx.
        Assert.Equal(5, fromA.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(2, fromA.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(5, fromB.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(2, fromB.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal("unhealthy", await RedisHealthAsync(a, ct));
    }

    private static async Task<string?> RedisHealthAsync(GatewayHost gateway, CancellationToken ct)
    {
        using var health = await gateway.Client.GetAsync("/health", ct);
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("components").GetProperty("redis").GetProperty("status").GetString();
    }
}
