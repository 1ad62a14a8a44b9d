namespace Codeur.Runner.Queue;

/// <summary>
/// Where a <c>run</c> task's branch went after the task (<c>project_mapping[].publish</c>): pushed to the project's
/// remote, and the pull request that proposes it (opened now, or the one a follow-up command continues).
/// </summary>
/// <param name="Mode"><c>branch</c> or <c>pull_request</c>.</param>
/// <param name="Remote">The remote URL (never with credentials).</param>
/// <param name="Pushed">The remote accepted the branch.</param>
/// <param name="PullRequestCreated">True when this task opened the pull request; false when it updated an existing one.</param>
/// <param name="Error">Why the push or the pull request failed, in words a user can act on; null on success.</param>
public sealed record TaskPublication(
    string Mode,
    string Remote,
    bool Pushed,
    int? PullRequestNumber = null,
    string? PullRequestUrl = null,
    bool PullRequestCreated = false,
    string? Error = null);
