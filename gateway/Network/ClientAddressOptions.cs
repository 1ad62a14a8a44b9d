using Codeur.Configuration;
using Microsoft.AspNetCore.HttpOverrides;

namespace Codeur.Gateway.Network;

/// <summary>Who may connect (<c>ip_allowlist</c>) and whose <c>X-Forwarded-For</c> is believed (<c>trusted_proxies</c>), per configuration snapshot.</summary>
internal sealed class ClientAddressOptions
{
    /// <summary>Null admits every address.</summary>
    public NetworkList? Allowlist { get; private set; }

    /// <summary>The forwarded-headers settings for the trusted proxies; null when there are none.</summary>
    public ForwardedHeadersOptions? Forwarding { get; private set; }

    public void Configure(AgentConfig config)
    {
        var webhook = config.Webhook;
        Allowlist = webhook.IpAllowlist is { } allowlist ? NetworkList.Parse(allowlist) : null;
        if (webhook.TrustedProxies.Count == 0)
        {
            Forwarding = null;
            return;
        }

        // The framework's defaults trust loopback; we trust nothing unless configured.
        var forwarding = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null,
        };
        forwarding.KnownProxies.Clear();
        forwarding.KnownIPNetworks.Clear();
        foreach (var network in NetworkList.Parse(webhook.TrustedProxies).Networks)
        {
            forwarding.KnownIPNetworks.Add(network);
        }

        Forwarding = forwarding;
    }
}
