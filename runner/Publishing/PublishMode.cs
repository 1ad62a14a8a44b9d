namespace Codeur.Runner.Publishing;

/// <summary><c>project_mapping[].publish.mode</c>.</summary>
internal enum PublishMode
{
    /// <summary>The branch stays in the project's repository.</summary>
    None,

    /// <summary>The branch is pushed to the project's remote.</summary>
    Branch,

    /// <summary>The branch is pushed and a pull request opened (or, for a follow-up, updated).</summary>
    PullRequest,
}
