namespace Codeur.Configuration;

/// <summary>
/// What becomes of a <c>run</c> task's branch (<c>project_mapping[].publish</c>): nothing (it stays in the project's
/// repository), pushed to the project's remote, or pushed and proposed as a pull request.
/// </summary>
public sealed class PublishSection
{
    public const string None = "none";
    public const string Branch = "branch";
    public const string PullRequest = "pull_request";

    /// <summary><c>none</c> (default), <c>branch</c> or <c>pull_request</c>.</summary>
    public string Mode { get; set; } = None;

    /// <summary>The remote to push to: an <c>https://</c> URL without credentials (<c>http://</c> only for a forge on a trusted network).</summary>
    public string? Remote { get; set; }

    /// <summary>The branch pull requests target.</summary>
    public string Base { get; set; } = "main";

    /// <summary><c>owner/name</c> on the forge; default: the remote URL's path.</summary>
    public string? Repository { get; set; }

    /// <summary>GitHub REST API base; default <c>replies.github_api_url</c>.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>The forge credential (push and API); default <c>github_token</c>. Only the push container and the runner see it.</summary>
    public string? Token { get; set; }

    /// <summary>Pull requests are opened as drafts.</summary>
    public bool Draft { get; set; } = true;

    /// <summary>
    /// The Docker network the push container joins. Default: an internal network whose only way out is an allowlisting
    /// proxy admitting the remote's host alone (<c>codeur-forge</c>). Name an existing network instead when the forge is
    /// on a private network (the proxy never admits private addresses).
    /// </summary>
    public string? Network { get; set; }
}
