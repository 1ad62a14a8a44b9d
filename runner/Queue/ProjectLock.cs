namespace Codeur.Runner.Queue;

/// <summary>
/// What "one running task per project" locks: the single place that names a task's lock scope. The Redis queue stores
/// the scope on each task and keys its lock, its waiting line and its ready entry by it; narrowing the lock (say, per
/// worktree for <c>run</c> tasks) means changing <see cref="ScopeOf"/> and nothing else there.
/// </summary>
internal static class ProjectLock
{
    public static string ScopeOf(NewTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Project;
    }
}
