namespace Codeur.Gateway.Forwarding;

/// <summary>The headers the runner trusts because only the gateway can set them.</summary>
internal static class ForwardingHeaders
{
    public const string Prefix = "X-Codeur-";
    public const string InternalToken = "X-Codeur-Internal-Token";
    public const string Platform = "X-Codeur-Platform";
    public const string Identity = "X-Codeur-Identity";
    public const string AuthMethod = "X-Codeur-Auth";

    /// <summary>The bearer token's scopes, space-separated; the runner applies the ones the gateway does not.</summary>
    public const string Scopes = Codeur.Configuration.TokenScopes.Header;
}
