using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Forwarding;

public sealed class ForwardingTests
{
    private const string Token = "main-token-0123456789";

    [Fact]
    public async Task Post_ClientForgedIdentityHeaders_NeverArrive()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"", upstream.Address);
        using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        request.Headers.Add("X-Codeur-Identity", "admin");
        request.Headers.Add("x-codeur-platform", "github");
        request.Headers.Add("X-Codeur-Internal-Token", "guess");
        request.Headers.Add("X-Codeur-Auth", "signature");
        request.Headers.Add("X-Codeur-Anything", "1");
        request.Content!.Headers.Add("X-Codeur-Identity", "content-admin");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var headers = upstream.Forwarded().Headers;
        Assert.Equal("token:default", headers["X-Codeur-Identity"]);
        Assert.Equal("api", headers["X-Codeur-Platform"]);
        Assert.Equal(GatewayHost.InternalToken, headers["X-Codeur-Internal-Token"]);
        Assert.Equal("bearer", headers["X-Codeur-Auth"]);
        Assert.False(headers.ContainsKey("X-Codeur-Anything"));
        Assert.False(headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Post_Forwarded_CarriesClientAddressProtoTraceAndResponse()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"", upstream.Address);
        using var request = Sign.Post("/api/tasks?x=1", "{\"command\":\"status\"}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("\"task_id\":\"t-1\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var forwarded = upstream.Forwarded();
        Assert.Equal("POST", forwarded.Method);
        Assert.Equal("/api/tasks?x=1", forwarded.Path);
        Assert.Equal("{\"command\":\"status\"}"u8.ToArray(), forwarded.Body);
        Assert.Equal("127.0.0.1", forwarded.Headers["X-Forwarded-For"]);
        Assert.Equal("http", forwarded.Headers["X-Forwarded-Proto"]);
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", forwarded.Headers["traceparent"]);
    }

    [Fact]
    public async Task Post_RunnerDown_Returns502JsonWithinASecond()
    {
        await using var gateway = await GatewayHost.StartAsync($"  auth_token: \"{Token}\"", new Uri($"http://127.0.0.1:{ClosedPort()}"));
        using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var clock = Stopwatch.StartNew();

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains("runner is unreachable", await ResponseAssert.ErrorAsync(response, HttpStatusCode.BadGateway));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var audit = Assert.Single(await gateway.AuditAsync(1));
        Assert.Equal(502, audit.GetProperty("status").GetInt32());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
