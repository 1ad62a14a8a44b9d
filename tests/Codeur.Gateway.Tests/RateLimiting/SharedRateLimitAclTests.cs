using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;
using Codeur.Tests.Shared;

namespace Codeur.Gateway.Tests.RateLimiting;

/// <summary>
/// The shared per-identity limit with the gateway's ACL user (<c>codeur-gateway</c>) on a Redis started the way compose
/// and Helm start it: two real gateways still share one window, so every command the rate limiter sends (its
/// script included) is within that user's permissions. What the user is refused: Codeur.Runner.Tests RedisAclTests.
/// </summary>
public sealed class SharedRateLimitAclTests : IAsyncLifetime
{
    private readonly AclRedisServer _redis = new();

    public ValueTask InitializeAsync() => _redis.InitializeAsync();

    public ValueTask DisposeAsync() => _redis.DisposeAsync();

    private string Config(int limit) => $"""
          auth_token: "main-token-0123456789"
          rate_limit: {limit}
          queue: {"{"}backend: redis, connection: "{_redis.GatewayConnection}"{"}"}
        """;

    [Fact(Timeout = 60_000)]
    public async Task Post_AcrossTwoGatewaysWithTheGatewayUser_SharedLimitHolds()
    {
        _redis.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var a = await GatewayHost.StartAsync(Config(6), upstream.Address);
        await using var b = await GatewayHost.StartAsync(Config(6), upstream.Address);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 14; i++)
        {
            using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
            using var response = await (i % 2 == 0 ? a : b).Client.SendAsync(request, ct);
            statuses.Add(response.StatusCode);
        }

        // Alone, each gateway would have let 6 through (12 in all); sharing the window through Redis, exactly 6.
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(8, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }
}
