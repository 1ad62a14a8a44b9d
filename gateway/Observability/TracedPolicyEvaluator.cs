using System.Diagnostics;
using Codeur.Gateway.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Codeur.Gateway.Observability;

/// <summary>
/// Puts a <c>verify</c> span around the authentication that authorization runs (bearer token, GitHub HMAC, Slack v0,
/// Discord Ed25519), through ASP.NET Core's own extension point, so no handler needs to know about tracing.
/// </summary>
internal sealed class TracedPolicyEvaluator(IAuthorizationService authorization) : PolicyEvaluator(authorization)
{
    public override async Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        using var span = GatewayTracing.Source.StartActivity("verify");
        var result = await base.AuthenticateAsync(policy, context);
        if (span is not null)
        {
            span.SetTag("codeur.auth.succeeded", result.Succeeded);
            if (result.Succeeded)
            {
                // How the caller proved itself (signature or bearer), not who it is: identities stay in the audit trail.
                span.SetTag("codeur.auth.method", result.Principal?.FindFirst(GatewayAuthentication.MethodClaim)?.Value);
            }
            else if (result.Failure is { } failure)
            {
                span.SetStatus(ActivityStatusCode.Error, failure.Message);
            }
        }

        return result;
    }
}
