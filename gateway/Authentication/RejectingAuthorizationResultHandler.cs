using Codeur.Gateway.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// Answers authentication and authorization failures with the contract's JSON and an audit line instead of the
/// handlers' challenges. A credential that was presented and failed denies the request even when another passed.
/// </summary>
internal sealed class RejectingAuthorizationResultHandler(Rejection rejection) : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (context.Features.Get<AuthenticationFailure>() is { } failure)
        {
            return rejection.RejectAsync(context, StatusCodes.Status401Unauthorized, "unauthorized", failure.Reason);
        }

        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        if (authorizeResult.Challenged)
        {
            return rejection.RejectAsync(context, StatusCodes.Status401Unauthorized, "unauthorized", MissingCredential(policy));
        }

        // The caller holds this token, so naming the scope it lacks tells it nothing it could not know.
        var scope = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault()?.Describe();
        return rejection.RejectAsync(context, StatusCodes.Status403Forbidden, "forbidden", scope is null
            ? "this credential is not permitted on this route"
            : $"this token lacks the {scope} scope this route requires");
    }

    private static string MissingCredential(AuthorizationPolicy policy)
    {
        var accepted = policy.AuthenticationSchemes.Select(scheme => scheme switch
        {
            GatewayAuthentication.GitHub => "an X-Hub-Signature-256 signature",
            GatewayAuthentication.Slack => "a Slack request signature",
            GatewayAuthentication.Discord => "an X-Signature-Ed25519 signature",
            _ => "Authorization: Bearer <token>",
        });
        return "missing credential: this route accepts " + string.Join(" or ", accepted);
    }
}
