namespace Codeur.Runner.Queue;

/// <summary>
/// What "one running task per project" locks: the single place that names a task's lock scope. The Redis queue stores
/// the scope on each task and keys its lock, its waiting line and its ready entry by it; narrowing the lock (say, per
/// worktree for <c>run</c> tasks) means changing <see cref="ScopeOf"/> and nothing else there. The SQLite queue lets
/// <c>run</c> tasks in their own git worktree share their project (<c>SqliteTaskQueue.ProjectLockRule</c>); here every
/// task, worktree or not, still has its project to itself: one lock of one holder cannot express "shared among
/// worktree runs, exclusive for everything else" without a readers-writer lock, which would be new fencing logic.
/// </summary>
internal static class ProjectLock
{
    public static string ScopeOf(NewTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Project;
    }
}
