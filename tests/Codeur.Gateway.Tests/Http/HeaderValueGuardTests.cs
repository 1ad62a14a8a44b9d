using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Http;

public sealed class HeaderValueGuardTests
{
    [Theory]
    [InlineData("Content-Type", "application/json; charset=\u00ff")]
    [InlineData("X-Note", "caf\u00e9")]
    [InlineData("X-Note", "a\u007fb")]
    public async Task Request_HeaderOutsidePrintableAscii_Returns400AndIsAuditedNotForwarded(string name, string value)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("  auth_token: \"main-token-0123456789\"", upstream.Address);
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var client = new HttpClient(handler) { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new ByteArrayContent("{\"command\":\"analyze\"}"u8.ToArray()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
        if (name == "Content-Type")
        {
            request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        else
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        // Before the fix: 502, because the forwarder could not send such a header on.
        await ResponseAssert.ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain(upstream.Requests, r => r.Path == "/api/tasks");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Contains($"header {name} holds characters", await File.ReadAllTextAsync(gateway.AuditPath, TestContext.Current.CancellationToken), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Request_PlainAsciiHeaders_IsForwarded()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("  auth_token: \"main-token-0123456789\"", upstream.Address);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new StringContent("{\"command\":\"analyze\"}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
        request.Headers.TryAddWithoutValidation("X-Note", "tabs\tand ~ symbols !#$%&'()*+,-./:;<=>?@[\\]^_`{|}");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(upstream.Requests, r => r.Path == "/api/tasks");
    }
}
