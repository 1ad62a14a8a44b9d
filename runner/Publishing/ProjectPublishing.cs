namespace Codeur.Runner.Publishing;

/// <summary>One project's validated publishing settings.</summary>
/// <param name="Repository"><c>owner/name</c> on the forge (pull requests; null in branch mode without one).</param>
/// <param name="Network">The push container's network; null: the runner's forge proxy network.</param>
internal sealed record ProjectPublishing(
    string Project,
    PublishMode Mode,
    Uri Remote,
    string BaseBranch,
    string? Repository,
    string ApiUrl,
    string Token,
    bool Draft,
    string? Network)
{
    public string ModeName => Mode == PublishMode.PullRequest ? "pull_request" : "branch";

    /// <summary>The remote as shown to people (never carries credentials: the validator refuses user info).</summary>
    public string RemoteText => Remote.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
