namespace Codeur.Configuration;

/// <summary>
/// <c>webhook.ui</c>: the gateway's live task page at <c>/ui</c> (docs/UI.md). Off unless enabled: the gateway is the
/// internet-facing edge for webhooks, and a new surface there should be the operator's choice, not an upgrade's.
/// Reloads with the file.
/// </summary>
public sealed class UiSection
{
    public bool Enabled { get; set; }
}
