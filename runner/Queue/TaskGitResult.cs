namespace Codeur.Runner.Queue;

/// <summary>
/// What a <c>run</c> task did to a git project: the branch it worked on (in its own worktree), the commit it started
/// from, the commits on the branch (the agent's, then the runner's commit of leftover changes), and a diffstat of the
/// branch against its base. Null on tasks that did not use a worktree (other commands, non-git projects).
/// </summary>
/// <param name="Branch">
/// <c>codeur/&lt;task-id&gt;</c>. When the agent changed nothing the branch is deleted again and <see cref="Commits"/> is empty.
/// </param>
/// <param name="Diffstat">The <c>git diff --stat</c> text (capped), for people.</param>
public sealed record TaskGitResult(
    string Branch,
    string BaseCommit,
    string HeadCommit,
    IReadOnlyList<TaskGitCommit> Commits,
    int FilesChanged,
    int Insertions,
    int Deletions,
    string Diffstat)
{
    /// <summary>The push and pull request that followed the task, when the project publishes (see <see cref="TaskPublication"/>).</summary>
    public TaskPublication? Publication { get; init; }

    /// <summary>True when the branch carries at least one commit beyond its base (and so still exists).</summary>
    public bool HasChanges => Commits.Count > 0;
}
