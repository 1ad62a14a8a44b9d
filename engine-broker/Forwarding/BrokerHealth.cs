using Codeur.EngineBroker.Engine;
using Microsoft.AspNetCore.Http.Features;

namespace Codeur.EngineBroker.Forwarding;

/// <summary>
/// <c>GET /_broker/health</c>: 200 when the engine answers its ping through the broker's own client, else 503. The
/// broker's only route outside the Engine API; it forwards nothing the client sent.
/// </summary>
internal static class BrokerHealth
{
    public const string Path = "/_broker/health";

    public static bool Matches(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && string.Equals(context.Features.Get<IHttpRequestFeature>()?.RawTarget, Path, StringComparison.Ordinal);

    public static async Task WriteAsync(HttpContext context, EngineClient engine)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        bool healthy;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, EngineClient.Address("/_ping"));
            using var response = await engine.SendAsync(request, timeout.Token);
            healthy = response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            healthy = false;
        }

        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(healthy ? "healthy" : "engine unreachable", context.RequestAborted);
    }
}
