using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Http;

public sealed class BodyLimitTests
{
    private const string Config = """
          auth_token: "main-token-0123456789"
          body_limits: {default: 64k, github: 256k}
        """;

    private static HttpRequestMessage Post(string path, int size, bool chunked)
    {
        var body = new byte[size];
        Random.Shared.NextBytes(body);
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
        return request;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_OverDefaultLimit_Returns413(bool chunked)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);

        using var response = await gateway.Client.SendAsync(Post("/api/tasks", 64 * 1024 + 1, chunked), TestContext.Current.CancellationToken);

        Assert.Contains("65536 byte limit", await ResponseAssert.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge));
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_AtLimit_IsForwardedByteIdentical(bool chunked)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);
        using var request = Post("/api/tasks", 64 * 1024, chunked);
        var sent = await request.Content!.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        using var resend = Post("/api/tasks", 0, chunked);
        resend.Content = chunked ? new StreamContent(new NonSeekableStream(sent)) : new ByteArrayContent(sent);

        using var response = await gateway.Client.SendAsync(resend, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(sent, upstream.Forwarded().Body);
    }

    [Fact]
    public async Task Post_GitHubRoute_HasItsOwnLimit()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config, upstream.Address);

        using var allowed = await gateway.Client.SendAsync(Post("/webhook/github", 200 * 1024, chunked: true), TestContext.Current.CancellationToken);
        using var tooLarge = await gateway.Client.SendAsync(Post("/webhook/github", 256 * 1024 + 1, chunked: false), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        await ResponseAssert.ErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
    }

    /// <summary>Forces HttpClient to send <c>Transfer-Encoding: chunked</c> (no Content-Length).</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
