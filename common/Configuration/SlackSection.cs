namespace Codeur.Configuration;

/// <summary><c>webhook.slack</c>: which Slack workspaces may use the agent.</summary>
public sealed class SlackSection
{
    /// <summary>
    /// Team ids (<c>T...</c>) whose signed requests are accepted; <c>["*"]</c> accepts any workspace where the app is
    /// installed. Required once <c>slack_signing_secret</c> is set.
    /// </summary>
    public List<string>? Teams { get; set; }
}
