using Codeur.Runner.Commands;

namespace Codeur.Runner.Policy;

/// <summary>
/// Who may run what: the per-platform requester allowlist (403) and <c>allowed_commands</c> (422, listing the
/// allowed ones; <c>cancel</c> is always allowed, the queue checks that the task is the requester's own).
/// </summary>
internal sealed class CommandPolicy(IntakeSettings settings)
{
    /// <summary>Null when the request may proceed to routing.</summary>
    public IntakeError? Check(CommandRequest request)
    {
        // The requester first: someone who may not use the agent learns nothing about its commands.
        if (settings.Requesters.TryGetValue(request.Platform, out var allowed) && !allowed.Contains(request.Requester))
        {
            return IntakeError.Forbidden("requester not permitted");
        }

        return settings.IsAllowed(request.Command) ? null : CommandLineParser.CommandNotAllowed(request.Command, settings);
    }
}
