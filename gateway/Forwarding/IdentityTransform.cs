using Codeur.Configuration;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Http;
using Yarp.ReverseProxy.Transforms;

namespace Codeur.Gateway.Forwarding;

/// <summary>
/// Replaces the client's credentials with ours: removes <c>Authorization</c> and every client-sent
/// <c>X-Codeur-*</c> header, then adds the internal token, the verified identity and, for a bearer token, its scopes.
/// </summary>
internal sealed class IdentityTransform(AgentConfig config) : RequestTransform
{
    private readonly string? _internalToken = config.Webhook.Runner.InternalToken;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var headers = context.ProxyRequest.Headers;
        headers.Remove("Authorization");
        List<string>? forged = null;
        foreach (var header in headers)
        {
            if (header.Key.StartsWith(ForwardingHeaders.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                (forged ??= []).Add(header.Key);
            }
        }

        if (forged is not null)
        {
            foreach (var name in forged)
            {
                headers.Remove(name);
            }
        }

        // Content headers travel separately in HttpClient; a forged identity there must not survive either.
        if (context.ProxyRequest.Content is { } content)
        {
            foreach (var name in content.Headers.Where(h => h.Key.StartsWith(ForwardingHeaders.Prefix, StringComparison.OrdinalIgnoreCase)).Select(h => h.Key).ToList())
            {
                content.Headers.Remove(name);
            }
        }

        if (_internalToken is not null)
        {
            headers.TryAddWithoutValidation(ForwardingHeaders.InternalToken, _internalToken);
        }

        var http = context.HttpContext;
        headers.TryAddWithoutValidation(ForwardingHeaders.Platform, http.GetPlatform());
        if (http.GetIdentityName() is { } identity)
        {
            headers.TryAddWithoutValidation(ForwardingHeaders.Identity, identity);
            headers.TryAddWithoutValidation(ForwardingHeaders.AuthMethod, http.GetAuthMethod());
            if (http.GetScopes() is { } scopes)
            {
                // Present (possibly empty) for a bearer token, absent for a platform signature.
                headers.TryAddWithoutValidation(ForwardingHeaders.Scopes, scopes);
            }
        }

        return ValueTask.CompletedTask;
    }
}
