namespace Codeur.Configuration;

/// <summary>The parsed <c>.agent.yaml</c>: everything lives under the <c>webhook:</c> key.</summary>
public sealed class AgentConfig
{
    public WebhookSection Webhook { get; set; } = new();
}
