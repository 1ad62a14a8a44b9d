namespace Codeur.Configuration;

/// <summary>
/// <c>project_mapping[].allow</c>: the sources that may reach a project. Once set, a kind of source that is not
/// listed reaches nothing (no <c>tokens</c> key: no token reaches it).
/// </summary>
public sealed class ProjectAccessSection
{
    /// <summary>GitHub repositories, <c>owner/name</c> or <c>owner/*</c>, compared case-insensitively.</summary>
    public List<string>? Repositories { get; set; }

    /// <summary>Slack <c>TEAM</c> (a whole workspace) or <c>TEAM/CHANNEL</c> ids.</summary>
    public List<string>? Slack { get; set; }

    /// <summary>Discord <c>GUILD</c> or <c>GUILD/CHANNEL</c> ids.</summary>
    public List<string>? Discord { get; set; }

    /// <summary>Bearer token names (<c>default</c> is <c>auth_token</c>) that reach the project through the API or a relay without platform trust.</summary>
    public List<string>? Tokens { get; set; }

    /// <summary>Optional narrowing: only these users of a platform (GitHub logins, Slack and Discord user ids).</summary>
    public RequestersSection? Requesters { get; set; }
}
