namespace Codeur.Configuration;

/// <summary>Who and what on GitHub may create tasks (<c>webhook.github</c>).</summary>
public sealed class GithubSection
{
    /// <summary>
    /// <c>author_association</c> values allowed to trigger commands from comments. Default OWNER, MEMBER,
    /// COLLABORATOR: on a public repository anyone can comment, and a comment must not be able to run an agent.
    /// </summary>
    public List<string> AllowedAssociations { get; set; } = ["OWNER", "MEMBER", "COLLABORATOR"];

    /// <summary>Whether senders of type <c>Bot</c> may trigger commands. Default false, so bots cannot loop on our own replies.</summary>
    public bool AllowBots { get; set; }

    /// <summary>
    /// Events that create a task without a comment: <c>event</c> or <c>event.action</c> → command. Default
    /// <c>pull_request.opened</c> and <c>pull_request.synchronize</c> → <c>analyze</c>. Setting the key replaces
    /// the whole map; <c>{}</c> turns event tasks off.
    /// </summary>
    public Dictionary<string, string> Events { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pull_request.opened"] = "analyze",
        ["pull_request.synchronize"] = "analyze",
    };
}
