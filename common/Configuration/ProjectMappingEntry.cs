namespace Codeur.Configuration;

/// <summary>One <c>project_mapping</c> entry: a case-insensitive .NET regular expression and the project directory.</summary>
public sealed class ProjectMappingEntry
{
    public string Pattern { get; set; } = "";
    public string Path { get; set; } = "";

    /// <summary>Optional name used by <c>--project NAME</c> hints; defaults to the directory's name.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Who may reach this project (repositories, Slack teams and channels, Discord guilds and channels, tokens,
    /// requesters). Absent: the documented default (docs/CONFIGURATION.md, "Who may do what").
    /// </summary>
    public ProjectAccessSection? Allow { get; set; }

    /// <summary>Per-command restrictions on this project: command → who may use it here (e.g. <c>run</c> only for OWNER).</summary>
    public Dictionary<string, CommandAccessSection>? Commands { get; set; }

    /// <summary>Push and pull requests for <c>run</c> tasks on this project (<c>publish</c>).</summary>
    public PublishSection Publish { get; set; } = new();

    /// <summary>The task text of this project's reviews (<c>analyze</c> with an agent); absent: <c>sandbox.review_prompt</c>.</summary>
    public string? ReviewPrompt { get; set; }
}
