using Codeur.Gateway.Http;
using Microsoft.Extensions.Options;

namespace Codeur.Gateway.Network;

/// <summary>
/// Admits only connections from <c>ip_allowlist</c> as it stands now (absent: every address). The address is the
/// connection's own unless it came through a <c>trusted_proxies</c> network, in which case
/// <see cref="TrustedProxyMiddleware"/> has already put the client's there. <c>/health</c> stays reachable so
/// orchestrator probes work whatever the list says.
/// </summary>
internal sealed class IpAllowlistMiddleware(RequestDelegate next, IOptionsMonitor<ClientAddressOptions> options, Rejection rejection)
{
    public Task InvokeAsync(HttpContext context)
    {
        var allowlist = options.CurrentValue.Allowlist;
        var address = context.Connection.RemoteIpAddress;
        if (allowlist is null || (address is not null && allowlist.Contains(address)) || context.Request.Path.StartsWithSegments("/health"))
        {
            return next(context);
        }

        return rejection.RejectAsync(context, StatusCodes.Status403Forbidden, "forbidden", "client address is not allowed");
    }
}
