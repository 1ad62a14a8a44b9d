using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Gateway.Tests.RateLimiting;

public sealed class RateLimitTests
{
    private const string Config = """
          auth_token: "main-token-0123456789"
          tokens:
            ci: "ci-token-abcdefghij"
          rate_limit: 3
        """;

    private static HttpRequestMessage Task(string token)
    {
        var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Post_OverIdentityLimit_Returns429WithRetryAfterThenRecoversNextWindow()
    {
        var clock = new FakeTimeProvider();
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address, clock);
        var ct = TestContext.Current.CancellationToken;

        for (var i = 0; i < 3; i++)
        {
            using var ok = await gateway.Client.SendAsync(Task("main-token-0123456789"), ct);
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(15));
        using (var limited = await gateway.Client.SendAsync(Task("main-token-0123456789"), ct))
        {
            Assert.Contains("rate limit of 3 requests per minute", await ResponseAssert.ErrorAsync(limited, HttpStatusCode.TooManyRequests));
            Assert.Equal(TimeSpan.FromSeconds(45), limited.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(3, upstream.Requests.Count);
        clock.Advance(TimeSpan.FromSeconds(45));
        using var again = await gateway.Client.SendAsync(Task("main-token-0123456789"), ct);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task Post_TwoIdentities_HaveSeparateBudgets()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address, new FakeTimeProvider());
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            (await gateway.Client.SendAsync(Task("main-token-0123456789"), ct)).Dispose();
        }

        using var other = await gateway.Client.SendAsync(Task("ci-token-abcdefghij"), ct);
        using var exhausted = await gateway.Client.SendAsync(Task("main-token-0123456789"), ct);

        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, exhausted.StatusCode);
    }

    [Fact]
    public async Task Post_OverAddressLimit_Returns429BeforeAuthentication()
    {
        var clock = new FakeTimeProvider();
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config + "\n  address_rate_limit: 2", upstream.Address, clock);
        var ct = TestContext.Current.CancellationToken;

        using var first = await gateway.Client.SendAsync(Task("wrong"), ct);
        using var second = await gateway.Client.SendAsync(Task("wrong"), ct);
        using var third = await gateway.Client.SendAsync(Task("main-token-0123456789"), ct);

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Contains("this address", await ResponseAssert.ErrorAsync(third, HttpStatusCode.TooManyRequests));
        Assert.Equal(TimeSpan.FromSeconds(60), third.Headers.RetryAfter?.Delta);
        Assert.Empty(upstream.Requests);

        var audit = await gateway.AuditAsync(3);
        Assert.Equal(429, audit[2].GetProperty("status").GetInt32());
    }
}
