using System.Security.Cryptography;
using System.Text;
using Codeur.Audit;
using Codeur.Configuration;
using Codeur.Http;

namespace Codeur.Runner.Intake;

/// <summary>
/// The runner answers only the gateway: every request but <c>/health</c> and <c>/metrics</c> must carry
/// <c>runner.internal_token</c>, compared in fixed time over SHA-256 digests. A request that skipped the gateway gets 401.
/// </summary>
internal sealed class InternalCredentialMiddleware(RequestDelegate next, AgentConfig config, AuditLog audit)
{
    public const string Header = "X-Codeur-Internal-Token";

    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(
        config.Webhook.Runner.InternalToken ?? throw new AgentConfigException("webhook.runner.internal_token is required: the runner accepts only requests from the gateway")));

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || Matches(context))
        {
            return next(context);
        }

        audit.Write(new AuditRecord("request_rejected")
        {
            Level = "warning",
            Status = StatusCodes.Status401Unauthorized,
            Reason = "missing or invalid internal credential",
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Method = context.Request.Method,
            Path = path.Value,
        });
        return JsonError.WriteAsync(context, StatusCodes.Status401Unauthorized, "this service accepts requests only through the gateway");
    }

    private bool Matches(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(Header, out var values) || values.Count != 1 || values[0] is not { Length: > 0 } token)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _expected);
    }
}
