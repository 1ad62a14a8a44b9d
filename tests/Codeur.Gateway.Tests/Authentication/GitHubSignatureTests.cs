using System.Net;
using System.Text;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Authentication;

public sealed class GitHubSignatureTests
{
    // GitHub's documented example (docs.github.com, "Validating webhook deliveries").
    private const string DocumentedSecret = "It's a Secret to Everybody";
    private const string DocumentedBody = "Hello, World!";
    private const string DocumentedSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    [Fact]
    public async Task Post_GitHubDocumentedExample_IsForwarded()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  github_webhook_secret: \"{DocumentedSecret}\"", upstream.Address);
        using var request = Sign.Post("/webhook/github", Encoding.UTF8.GetBytes(DocumentedBody));
        request.Headers.Add("X-Hub-Signature-256", DocumentedSignature);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var forwarded = upstream.Forwarded();
        Assert.Equal(DocumentedBody, Encoding.UTF8.GetString(forwarded.Body));
        Assert.Equal("github", forwarded.Headers["X-Codeur-Platform"]);
        Assert.Equal("github", forwarded.Headers["X-Codeur-Identity"]);
        Assert.Equal("signature", forwarded.Headers["X-Codeur-Auth"]);
    }

    [Theory]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", "invalid X-Hub-Signature-256 signature")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "malformed X-Hub-Signature-256")]
    [InlineData("sha256=zz", "malformed X-Hub-Signature-256")]
    [InlineData("sha256=", "malformed X-Hub-Signature-256")]
    public async Task Post_BadSignature_Returns401AndNeverForwards(string header, string expected)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  github_webhook_secret: \"{DocumentedSecret}\"", upstream.Address);
        using var request = Sign.Post("/webhook/github", Encoding.UTF8.GetBytes(DocumentedBody));
        request.Headers.Add("X-Hub-Signature-256", header);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains(expected, await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Post_BodyAlteredAfterSigning_Returns401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  github_webhook_secret: \"{DocumentedSecret}\"", upstream.Address);
        using var request = Sign.Post("/webhook/github", Encoding.UTF8.GetBytes(DocumentedBody + " "));
        request.Headers.Add("X-Hub-Signature-256", DocumentedSignature);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Post_NoCredential_Returns401NamingWhatIsAccepted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  github_webhook_secret: \"{DocumentedSecret}\"", upstream.Address);

        using var response = await gateway.Client.SendAsync(Sign.Post("/webhook/github", "{}"u8.ToArray()), TestContext.Current.CancellationToken);

        var message = await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("X-Hub-Signature-256", message);
        Assert.Contains("Bearer", message);
    }

    [Fact]
    public async Task Post_SignatureWhenNoSecretConfigured_Returns401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("  auth_token: \"bearer-token-1\"", upstream.Address);
        using var request = Sign.Post("/webhook/github", Encoding.UTF8.GetBytes(DocumentedBody));
        request.Headers.Add("X-Hub-Signature-256", DocumentedSignature);

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains("github_webhook_secret is not configured", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Post_RejectedSignature_IsAuditedWithoutTheSecret()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  github_webhook_secret: \"{DocumentedSecret}\"", upstream.Address);
        using var request = Sign.Post("/webhook/github", Encoding.UTF8.GetBytes(DocumentedBody));
        request.Headers.Add("X-Hub-Signature-256", Sign.GitHub("wrong secret", Encoding.UTF8.GetBytes(DocumentedBody)));

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var audit = Assert.Single(await gateway.AuditAsync(1));
        Assert.Equal("request_rejected", audit.GetProperty("event").GetString());
        Assert.Equal("github", audit.GetProperty("platform").GetString());
        Assert.Equal(401, audit.GetProperty("status").GetInt32());
        Assert.Equal("invalid X-Hub-Signature-256 signature", audit.GetProperty("reason").GetString());
        Assert.Equal("127.0.0.1", audit.GetProperty("remote_address").GetString());
        Assert.DoesNotContain("Secret to Everybody", await File.ReadAllTextAsync(gateway.AuditPath, TestContext.Current.CancellationToken));
    }
}
