using System.Net;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Http;

public sealed class RoutingTests
{
    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("POST", "/webhook/gitlab")]
    [InlineData("GET", "/webhook/github")]
    public async Task Request_UnknownRouteOrMethod_Returns404Json(string method, string path)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("  auth_token: \"main-token-0123456789\"", upstream.Address);

        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Empty(upstream.Requests);
    }
}
