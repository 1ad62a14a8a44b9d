using Codeur.Configuration;

namespace Codeur.Gateway.RateLimiting;

/// <summary>Requests per minute per client address, per bearer identity and per platform source, per configuration snapshot.</summary>
internal sealed class GatewayRateLimitOptions
{
    public int PerAddress { get; set; } = 600;

    public int PerIdentity { get; set; } = 100;

    public int PerSource { get; set; } = 100;

    public void Configure(AgentConfig config)
    {
        var webhook = config.Webhook;
        PerAddress = webhook.AddressRateLimit;
        PerIdentity = webhook.RateLimit;
        PerSource = webhook.SourceRateLimit ?? webhook.RateLimit;
    }
}
