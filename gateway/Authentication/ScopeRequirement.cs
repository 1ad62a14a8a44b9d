using Microsoft.AspNetCore.Authorization;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// A route's scope: a bearer token must hold one of <see cref="Scopes"/>; a platform signature is the platform itself
/// and needs none. Checked on the identity that is forwarded, so what is allowed and what the runner sees never differ.
/// </summary>
internal sealed class ScopeRequirement(params string[] scopes) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public IReadOnlyList<string> Scopes { get; } = scopes;

    public string Describe() => string.Join(" or ", Scopes.Select(s => $"'{s}'"));

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.Identity is System.Security.Claims.ClaimsIdentity { IsAuthenticated: true } identity)
        {
            var method = identity.FindFirst(GatewayAuthentication.MethodClaim)?.Value;
            var scopes = identity.FindFirst(GatewayAuthentication.ScopesClaim)?.Value;
            if (method == "signature" || (scopes is not null && requirement.Scopes.Any(scope => Authentication.Identity.Contains(scopes, scope))))
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}
