namespace Codeur.Runner.Sandbox;

internal enum WorktreeStartKind
{
    /// <summary>A branch and worktree exist; the agent works there.</summary>
    Ready,

    /// <summary>The project is not a git repository with commits: the agent works in the project itself.</summary>
    NotGit,

    /// <summary>Something went wrong; the agent does not run.</summary>
    Error,
}
