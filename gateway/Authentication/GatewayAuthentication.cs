namespace Codeur.Gateway.Authentication;

/// <summary>Scheme, policy and claim names shared by the handlers, the rate limiter and the forwarder.</summary>
internal static class GatewayAuthentication
{
    public const string Bearer = "Bearer";
    public const string GitHub = "GitHub";
    public const string Slack = "Slack";
    public const string Discord = "Discord";

    /// <summary>How the caller proved itself: <c>bearer</c> or <c>signature</c>.</summary>
    public const string MethodClaim = "codeur:auth";

    /// <summary>A bearer token's scopes, space-separated, as forwarded in <c>X-Codeur-Scopes</c>.</summary>
    public const string ScopesClaim = "codeur:scopes";

    /// <summary>Signed platform requests older or newer than this are replays.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);
}
