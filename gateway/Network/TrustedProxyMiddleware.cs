using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.Network;

/// <summary>
/// Puts the client's address from <c>X-Forwarded-For</c> on the connection when the peer is one of
/// <c>trusted_proxies</c>, by the framework's forwarded-headers logic built for the current snapshot (rebuilt only
/// when the list changes). With no trusted proxy nothing is believed.
/// </summary>
internal sealed class TrustedProxyMiddleware(RequestDelegate next, IOptionsMonitor<ClientAddressOptions> options, ILoggerFactory loggerFactory)
{
    private (ForwardedHeadersOptions Options, ForwardedHeadersMiddleware Middleware)? _current;

    public Task InvokeAsync(HttpContext context)
    {
        if (options.CurrentValue.Forwarding is { } forwarding)
        {
            var current = _current;
            if (current is null || !ReferenceEquals(current.Value.Options, forwarding))
            {
                // A benign race: two requests may both build one; either is correct for this snapshot.
                current = (forwarding, new ForwardedHeadersMiddleware(next, loggerFactory, Options.Create(forwarding)));
                _current = current;
            }

            current.Value.Middleware.ApplyForwarders(context);
        }

        return next(context);
    }
}
