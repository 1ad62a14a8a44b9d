using Codeur.Configuration;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Intake;

/// <summary>
/// Who may read or cancel a task: the token that created it, the platform user it was requested by (the platform
/// vouched for them), admins (<c>replies.admins</c>), and tokens with <c>tasks:read</c> / <c>tasks:cancel</c>. Everyone
/// else is told the task does not exist, exactly as for a missing one, so no answer says whether an id is real.
/// </summary>
internal static class TaskAccess
{
    public static bool CanRead(Principal caller, TaskRecord task) => caller.Has(TokenScopes.TasksRead) || Owns(caller, task);

    public static bool CanCancel(Principal caller, TaskRecord task) => caller.Has(TokenScopes.TasksCancel) || Owns(caller, task);

    private static bool Owns(Principal caller, TaskRecord task)
    {
        if (caller.IsAdmin)
        {
            return true;
        }

        // A relay trusted for its platform acts as the user it names, not as itself.
        var owner = TaskOwner.Of(task);
        if (caller.User is null && caller.Token is { } token && string.Equals(owner.Token, token, StringComparison.Ordinal))
        {
            return true;
        }

        return caller.User is { } user && owner.User is { } requester && caller.Platform == task.Platform
            && string.Equals(requester, user, StringComparison.OrdinalIgnoreCase);
    }
}
