namespace Codeur.Configuration;

/// <summary>
/// Optional per-platform allowlists of requesters (<c>webhook.requesters</c>): GitHub logins, Slack user ids,
/// Discord user ids, API token identities, compared case-insensitively. An absent list lets anyone who passed the
/// platform's own checks; an empty list lets nobody.
/// </summary>
public sealed class RequestersSection
{
    public List<string>? Github { get; set; }
    public List<string>? Slack { get; set; }
    public List<string>? Discord { get; set; }

    /// <summary>Identities of bearer callers on <c>/api/tasks</c>, e.g. <c>token:default</c>.</summary>
    public List<string>? Api { get; set; }
}
