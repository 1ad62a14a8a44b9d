using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Authentication;

public sealed class BearerTokenTests
{
    private const string Config = """
          auth_token: "main-token-0123456789"
          tokens:
            ci: "ci-token-abcdefghij"
          github_webhook_secret: "gh-secret"
        """;

    [Theory]
    [InlineData("/webhook/github")]
    [InlineData("/webhook/slack")]
    [InlineData("/webhook/discord")]
    [InlineData("/api/tasks")]
    public async Task Post_ValidBearerOnEveryRoute_IsForwardedWithoutAuthorization(string path)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = Sign.Post(path, "{\"text\":\"!agent status\"}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var forwarded = upstream.Forwarded();
        Assert.False(forwarded.Headers.ContainsKey("Authorization"));
        Assert.Equal("token:default", forwarded.Headers["X-Codeur-Identity"]);
        Assert.Equal("bearer", forwarded.Headers["X-Codeur-Auth"]);
        Assert.Equal(GatewayHost.InternalToken, forwarded.Headers["X-Codeur-Internal-Token"]);
    }

    [Fact]
    public async Task Post_NamedToken_CarriesItsName()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ci-token-abcdefghij");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("token:ci", upstream.Forwarded().Headers["X-Codeur-Identity"]);
    }

    [Theory]
    [InlineData("Bearer main-token-012345678")]
    [InlineData("Bearer main-token-01234567890")]
    [InlineData("Bearer ")]
    [InlineData("Basic bWFpbjp0b2tlbg==")]
    [InlineData("main-token-0123456789")]
    public async Task Post_WrongOrMalformedBearer_Returns401(string authorization)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Post_ValidBearerWithForgedGitHubSignature_Returns401()
    {
        // A credential that was presented and failed denies the request, whatever else came with it.
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = Sign.Post("/webhook/github", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
        request.Headers.Add("X-Hub-Signature-256", Sign.GitHub("not-the-secret", "{}"u8.ToArray()));

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Get_StatusWithoutToken_Returns401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);

        using var response = await gateway.Client.GetAsync("/status", TestContext.Current.CancellationToken);

        Assert.Contains("Bearer", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Post_NothingConfigured_DeniesEverything()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("", upstream.Address);
        using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Post_RejectedToken_IsNeverWrittenToTheAuditLog()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = Sign.Post("/api/tasks", "{}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guessed-token-value-XYZ");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var audit = Assert.Single(await gateway.AuditAsync(1));
        Assert.Equal("invalid bearer token", audit.GetProperty("reason").GetString());
        Assert.DoesNotContain("guessed-token-value-XYZ", await File.ReadAllTextAsync(gateway.AuditPath, TestContext.Current.CancellationToken));
    }
}
