using Codeur.Configuration;

namespace Codeur.Gateway.Ui;

/// <summary><c>webhook.ui</c> per configuration snapshot: whether <c>/ui</c> answers at all.</summary>
internal sealed class UiOptions
{
    public bool Enabled { get; private set; }

    public void Configure(AgentConfig config) => Enabled = config.Webhook.Ui.Enabled;
}
