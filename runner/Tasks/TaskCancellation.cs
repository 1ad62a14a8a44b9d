using Codeur.Audit;
using Codeur.Runner.Intake;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Tasks;

/// <summary>
/// The one way a task is cancelled, for chat (<c>!agent cancel ID</c>) and the API (<c>POST /api/tasks/{id}/cancel</c>):
/// a task the caller may not cancel (<see cref="TaskAccess"/>) is reported missing, exactly like one that does not exist.
/// </summary>
internal sealed class TaskCancellation(ITaskQueue queue, RunningTasks running, AuditLog audit)
{
    public async Task<CancelOutcome> CancelAsync(string id, Principal caller, CancellationToken cancellationToken)
    {
        var task = await queue.GetAsync(id, cancellationToken);
        if (task is null || !TaskAccess.CanCancel(caller, task))
        {
            return new CancelOutcome(CancelStatus.NotFound, null);
        }

        if (task.State.IsFinal())
        {
            return new CancelOutcome(CancelStatus.AlreadyEnded, task);
        }

        var after = await queue.RequestCancelAsync(task.Id, cancellationToken);
        if (running.TryGet(task.Id, out var current))
        {
            current.Cancel();
        }

        audit.Write(new AuditRecord("task_cancel_requested") { TaskId = task.Id, Project = task.Project, Platform = caller.Platform, User = caller.Requester });
        return new CancelOutcome(CancelStatus.Requested, after ?? task);
    }

    /// <summary>The task if <paramref name="caller"/> may read it; null for a missing task and for one it may not see alike.</summary>
    public async Task<TaskRecord?> FindAsync(string id, Principal caller, CancellationToken cancellationToken) =>
        await queue.GetAsync(id, cancellationToken) is { } task && TaskAccess.CanRead(caller, task) ? task : null;
}
