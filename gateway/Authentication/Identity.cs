using System.Security.Claims;

namespace Codeur.Gateway.Authentication;

internal static class Identity
{
    public static AuthenticateResult Success(string scheme, string name, string method)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(GatewayAuthentication.MethodClaim, method)],
            authenticationType: scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), scheme));
    }

    /// <summary>The verified identity name (<c>token:ci</c>, <c>github</c>, ...) or null for anonymous requests.</summary>
    public static string? GetIdentityName(this HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;

    public static string? GetAuthMethod(this HttpContext context) => context.User.FindFirst(GatewayAuthentication.MethodClaim)?.Value;
}
