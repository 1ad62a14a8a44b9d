using Codeur.Audit;
using Codeur.Gateway.Observability;
using Codeur.Http;

namespace Codeur.Gateway.Http;

/// <summary>
/// The one way the gateway turns a request away: a JSON error with the contract's status, a metric by type and an
/// audit line with the reason. Reasons describe the request, never a secret.
/// </summary>
internal sealed class Rejection(GatewayMetrics metrics, AuditLog audit)
{
    public Task RejectAsync(HttpContext context, int statusCode, string type, string reason, TimeSpan? retryAfter = null)
    {
        metrics.Error(type);
        audit.Write(new AuditRecord("request_rejected")
        {
            Level = "warning",
            Platform = context.GetPlatform(),
            User = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null,
            Status = statusCode,
            Reason = reason,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Method = context.Request.Method,
            Path = context.Request.Path.Value,
        });
        return JsonError.WriteAsync(context, statusCode, reason, retryAfter);
    }
}
