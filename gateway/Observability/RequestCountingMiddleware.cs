using Codeur.Gateway.Http;

namespace Codeur.Gateway.Observability;

/// <summary>Counts every request that matched a platform route, accepted or not, as <c>webhook_requests_total{platform}</c>.</summary>
internal sealed class RequestCountingMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public Task InvokeAsync(HttpContext context)
    {
        var platform = context.GetPlatform();
        if (platform != "other")
        {
            metrics.RequestReceived(platform);
        }

        return next(context);
    }
}
