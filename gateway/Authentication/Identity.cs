using System.Security.Claims;

namespace Codeur.Gateway.Authentication;

internal static class Identity
{
    public static AuthenticateResult Success(string scheme, string name, string method, string? scopes = null)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(GatewayAuthentication.MethodClaim, method)],
            authenticationType: scheme);
        if (scopes is not null)
        {
            // One claim with the forwarded form: the route check and the forwarder read the same value.
            identity.AddClaim(new Claim(GatewayAuthentication.ScopesClaim, scopes));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), scheme));
    }

    /// <summary>The verified identity name (<c>token:ci</c>, <c>github</c>, ...) or null for anonymous requests.</summary>
    /// <remarks>When a request carries two valid credentials, the principal's first identity is the one forwarded and checked.</remarks>
    public static string? GetIdentityName(this HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;

    public static string? GetAuthMethod(this HttpContext context) => PrimaryClaim(context, GatewayAuthentication.MethodClaim);

    /// <summary>The scopes of the forwarded identity when it is a bearer token, space-separated; null for platform signatures.</summary>
    public static string? GetScopes(this HttpContext context) => PrimaryClaim(context, GatewayAuthentication.ScopesClaim);

    /// <summary>Whether the space-separated <paramref name="scopes"/> hold <paramref name="scope"/>, without allocating.</summary>
    public static bool Contains(string scopes, string scope)
    {
        foreach (var range in scopes.AsSpan().Split(' '))
        {
            if (scopes.AsSpan(range).SequenceEqual(scope))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the forwarded identity is a platform signature rather than a bearer token.</summary>
    public static bool IsSigned(this HttpContext context) => GetAuthMethod(context) == "signature";

    private static string? PrimaryClaim(HttpContext context, string type) =>
        context.User.Identity is ClaimsIdentity { IsAuthenticated: true } identity ? identity.FindFirst(type)?.Value : null;
}
