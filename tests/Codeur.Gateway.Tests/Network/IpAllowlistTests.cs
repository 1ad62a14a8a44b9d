using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Network;

public sealed class IpAllowlistTests
{
    private const string Token = "main-token-0123456789";

    private static async Task<HttpStatusCode> PostAsync(Uri address, string? forwardedFor = null)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = Sign.Post(new Uri(address, "/api/tasks").ToString(), "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            Assert.Contains("not allowed", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Forbidden));
        }

        return response.StatusCode;
    }

    private static Uri On(GatewayHost gateway, string host) => new($"http://{host}:{gateway.Address.Port}/");

    [Fact]
    public async Task Post_IPv4AllowedIPv6Not_DecidesOnConnectionAddress()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        // "*" listens dual-stack: IPv4 clients arrive as IPv4-mapped IPv6 addresses and must match 127.0.0.0/8.
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"\n  ip_allowlist: [\"127.0.0.0/8\"]", upstream.Address, host: "*");

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(On(gateway, "127.0.0.1")));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(On(gateway, "[::1]")));
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task Post_IPv6Allowed_IsAdmitted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"\n  ip_allowlist: [\"::1/128\"]", upstream.Address, host: "*");

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(On(gateway, "[::1]")));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(On(gateway, "127.0.0.1")));
    }

    [Fact]
    public async Task Post_SpoofedForwardedForFromUntrustedPeer_IsIgnored()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"\n  ip_allowlist: [\"10.0.0.0/8\"]", upstream.Address);

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(gateway.Address, forwardedFor: "10.1.2.3"));
        Assert.Empty(upstream.Requests);
        var audit = Assert.Single(await gateway.AuditAsync(1));
        Assert.Equal("127.0.0.1", audit.GetProperty("remote_address").GetString());
    }

    [Fact]
    public async Task Post_ForwardedForFromTrustedProxy_DecidesOnTheClient()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            $"  auth_token: \"{Token}\"\n  ip_allowlist: [\"10.0.0.0/8\"]\n  trusted_proxies: [\"127.0.0.0/8\"]", upstream.Address);

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(gateway.Address, forwardedFor: "10.1.2.3"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(gateway.Address, forwardedFor: "192.0.2.1"));
        // A client-supplied entry left of an untrusted hop is never believed.
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(gateway.Address, forwardedFor: "10.9.9.9, 192.0.2.1"));
        Assert.Equal("10.1.2.3", upstream.Forwarded().Headers["X-Forwarded-For"]);
    }

    [Fact]
    public async Task Get_HealthFromDeniedAddress_StaysReachable()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"\n  ip_allowlist: [\"10.0.0.0/8\"]", upstream.Address);

        using var health = await gateway.Client.GetAsync("/health", TestContext.Current.CancellationToken);
        using var metrics = await gateway.Client.GetAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
    }
}
