using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Authentication;

/// <summary>
/// A bearer token may do what its scopes say and nothing else: each refusal is shown beside the same request with a
/// token that holds the scope, so the test would notice a route that stopped checking.
/// </summary>
public sealed class TokenScopeTests
{
    private const string DefaultToken = "main-token-0123456789";
    private const string ApiOnly = "api-only-token-0123456789";
    private const string SlackRelay = "slack-relay-token-0123456789";
    private const string Nothing = "no-scope-token-0123456789";
    private const string Reader = "reader-token-0123456789";
    private const string Canceller = "canceller-token-0123456789";

    private const string Config = $"""
          auth_token: "{DefaultToken}"
          tokens:
            ci: {"{"}token: "{ApiOnly}", scopes: [api]{"}"}
            slackflow:
              token: "{SlackRelay}"
              scopes: [relay:slack, trust:slack]
            idle: {"{"}token: "{Nothing}", scopes: []{"}"}
            reader: {"{"}token: "{Reader}", scopes: [tasks:read]{"}"}
            canceller: {"{"}token: "{Canceller}", scopes: [tasks:cancel]{"}"}
        """;

    private static HttpRequestMessage Post(string path, string token)
    {
        var request = Sign.Post(path, "{\"text\":\"!agent status\",\"user_id\":\"U1\",\"channel_id\":\"C1\"}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Theory]
    [InlineData("/webhook/github", "relay:github")]
    [InlineData("/webhook/slack", "relay:slack")]
    [InlineData("/webhook/discord", "relay:discord")]
    public async Task Post_RelayWithoutRelayScope_Returns403AndForwardsNothing(string path, string scope)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        var ct = TestContext.Current.CancellationToken;

        // The attack: a token meant for the API claims to speak for a platform.
        using var refused = await gateway.Client.SendAsync(Post(path, ApiOnly), ct);
        Assert.Contains($"'{scope}'", await ResponseAssert.ErrorAsync(refused, HttpStatusCode.Forbidden));
        Assert.Empty(upstream.Requests);

        // The same request with a token holding the scope (the default ones do) goes through.
        using var accepted = await gateway.Client.SendAsync(Post(path, DefaultToken), ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("token:default", upstream.Forwarded().Headers["X-Codeur-Identity"]);

        var audit = await gateway.AuditAsync(1);
        Assert.Contains(audit, r => r.GetProperty("event").GetString() == "request_rejected" && r.GetProperty("status").GetInt32() == 403
            && r.GetProperty("user").GetString() == "token:ci");
    }

    [Fact]
    public async Task Post_SlackRelayTokenOnOtherPlatforms_Returns403()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        var ct = TestContext.Current.CancellationToken;

        using var github = await gateway.Client.SendAsync(Post("/webhook/github", SlackRelay), ct);
        using var discord = await gateway.Client.SendAsync(Post("/webhook/discord", SlackRelay), ct);
        using var slack = await gateway.Client.SendAsync(Post("/webhook/slack", SlackRelay), ct);

        await ResponseAssert.ErrorAsync(github, HttpStatusCode.Forbidden);
        await ResponseAssert.ErrorAsync(discord, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Accepted, slack.StatusCode);
        Assert.Equal("/webhook/slack", upstream.Forwarded().Path);
    }

    [Theory]
    [InlineData("POST", "/api/tasks")]
    [InlineData("GET", "/api/tasks/t-1")]
    [InlineData("POST", "/api/tasks/t-1/cancel")]
    [InlineData("GET", "/status")]
    public async Task Api_TokenWithoutApiScope_Returns403(string method, string path)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        var ct = TestContext.Current.CancellationToken;

        HttpRequestMessage Request(string token)
        {
            var request = method == "GET" ? new HttpRequestMessage(HttpMethod.Get, path) : Sign.Post(path, "{\"command\":\"status\"}"u8.ToArray());
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }

        using var relayOnly = await gateway.Client.SendAsync(Request(SlackRelay), ct);
        using var none = await gateway.Client.SendAsync(Request(Nothing), ct);
        Assert.Contains("'api'", await ResponseAssert.ErrorAsync(relayOnly, HttpStatusCode.Forbidden));
        await ResponseAssert.ErrorAsync(none, HttpStatusCode.Forbidden);
        Assert.Empty(upstream.Requests);

        using var allowed = await gateway.Client.SendAsync(Request(ApiOnly), ct);
        Assert.NotEqual(HttpStatusCode.Forbidden, allowed.StatusCode);
        Assert.Equal(path, upstream.Forwarded().Path);
    }

    [Theory]
    [InlineData(Reader, "GET", "/api/tasks/t-1", true)]
    [InlineData(Reader, "GET", "/api/tasks?state=running", true)]
    [InlineData(Canceller, "GET", "/api/tasks", false)]
    [InlineData(Reader, "GET", "/api/tasks/t-1/logs", true)]
    [InlineData(Reader, "POST", "/api/tasks/t-1/cancel", false)]
    [InlineData(Reader, "POST", "/api/tasks", false)]
    [InlineData(Reader, "GET", "/status", false)]
    [InlineData(Canceller, "POST", "/api/tasks/t-1/cancel", true)]
    [InlineData(Canceller, "GET", "/api/tasks/t-1", false)]
    [InlineData(Canceller, "POST", "/api/tasks", false)]
    public async Task Api_TaskScopesWithoutApi_ReachOnlyTheirRoutes(string token, string method, string path, bool admitted)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = method == "GET" ? new HttpRequestMessage(HttpMethod.Get, path) : Sign.Post(path, "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        if (admitted)
        {
            Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(path, upstream.Forwarded().Path);
        }
        else
        {
            await ResponseAssert.ErrorAsync(response, HttpStatusCode.Forbidden);
            Assert.Empty(upstream.Requests);
        }
    }

    [Fact]
    public async Task Post_Bearer_ForwardsTheTokensOwnScopes()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        var ct = TestContext.Current.CancellationToken;

        (await gateway.Client.SendAsync(Post("/webhook/slack", SlackRelay), ct)).Dispose();
        (await gateway.Client.SendAsync(Post("/api/tasks", DefaultToken), ct)).Dispose();

        var forwarded = upstream.Requests.ToList();
        Assert.Equal(2, forwarded.Count);
        Assert.Equal("token:slackflow", forwarded[0].Headers["X-Codeur-Identity"]);
        Assert.Equal("relay:slack trust:slack", forwarded[0].Headers["X-Codeur-Scopes"]);
        Assert.Equal("api relay:discord relay:github relay:slack", forwarded[1].Headers["X-Codeur-Scopes"]);
    }

    [Fact]
    public async Task Post_ClientForgedScopesHeader_IsReplacedWithTheTokensScopes()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config + "\n  github_webhook_secret: \"gh-secret\"", upstream.Address);
        var ct = TestContext.Current.CancellationToken;

        // A relay token asks the runner for trust and for everyone's tasks, in a request and in a content header.
        using var bearer = Post("/webhook/slack", SlackRelay);
        bearer.Headers.Add("X-Codeur-Scopes", "tasks:read tasks:cancel trust:github api");
        bearer.Content!.Headers.Add("x-codeur-scopes", "tasks:cancel");
        using var bearerResponse = await gateway.Client.SendAsync(bearer, ct);

        // A signed platform request carries no scopes at all; a forged one must not appear either.
        var body = "{\"zen\":\"hi\"}"u8.ToArray();
        using var signed = Sign.Post("/webhook/github", body);
        signed.Headers.Add("X-Hub-Signature-256", Sign.GitHub("gh-secret", body));
        signed.Headers.Add("X-Codeur-Scopes", "tasks:cancel");
        using var signedResponse = await gateway.Client.SendAsync(signed, ct);

        Assert.Equal(HttpStatusCode.Accepted, bearerResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, signedResponse.StatusCode);
        var forwarded = upstream.Requests.ToList();
        Assert.Equal("relay:slack trust:slack", forwarded[0].Headers["X-Codeur-Scopes"]);
        Assert.Equal("github", forwarded[1].Headers["X-Codeur-Identity"]);
        Assert.False(forwarded[1].Headers.ContainsKey("X-Codeur-Scopes"));
    }

    [Fact]
    public async Task Post_SignedRequestWithUnscopedBearer_IsForwardedAsTheToken_AndRefused()
    {
        // Two valid credentials: the bearer is the identity forwarded, so its scopes decide, not the signature's.
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config + "\n  github_webhook_secret: \"gh-secret\"", upstream.Address);
        var body = "{\"zen\":\"hi\"}"u8.ToArray();
        using var request = Sign.Post("/webhook/github", body);
        request.Headers.Add("X-Hub-Signature-256", Sign.GitHub("gh-secret", body));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiOnly);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Forbidden);
        Assert.Empty(upstream.Requests);
    }
}
