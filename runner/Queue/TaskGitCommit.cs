namespace Codeur.Runner.Queue;

/// <summary>One commit on a task's branch, oldest first.</summary>
public sealed record TaskGitCommit(string Sha, string Subject);
