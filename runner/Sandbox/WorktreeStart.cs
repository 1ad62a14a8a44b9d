namespace Codeur.Runner.Sandbox;

/// <summary>The outcome of <c>codeur-tool worktree-add</c>.</summary>
internal sealed record WorktreeStart(WorktreeStartKind Kind, string? BaseCommit, string? Branch, string? Path, string? Reason);
