using Codeur.Gateway.Authentication;
using Codeur.Gateway.Http;

namespace Codeur.Gateway.RateLimiting;

/// <summary>Whose count a request goes on: a signed request's source, a bearer token, or (anonymous) an address.</summary>
internal sealed record RateLimitSubject(string Kind, string Key, int Limit)
{
    public static RateLimitSubject For(HttpContext context, GatewayRateLimitOptions limits)
    {
        if (context.IsSigned())
        {
            return new("source", RequestSource.For(context.GetPlatform(), context), limits.PerSource);
        }

        return context.GetIdentityName() is { } identity
            ? new("identity", identity, limits.PerIdentity)
            : new("identity", ClientKey.For(context.Connection.RemoteIpAddress), limits.PerIdentity);
    }
}
