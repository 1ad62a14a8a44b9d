using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Intake;

/// <summary>Where the pipeline stopped: a refusal, a message that is not for us, a command about a task, or a task to enqueue.</summary>
internal abstract record IntakeDecision
{
    private IntakeDecision()
    {
    }

    /// <summary>
    /// Refused at some step, with the status and a message about that step only. <paramref name="ReplyContext"/> is
    /// set once the caller was admitted with platform trust, so the refusal may be posted where the request came from.
    /// </summary>
    public sealed record Refused(IntakeError Error, string Requester, string? Project = null, string? ReplyContext = null) : IntakeDecision;

    /// <summary>200 <c>{"status":"ignored"}</c>: e.g. a GitHub author association that may not trigger commands.</summary>
    public sealed record Ignored(string Reason) : IntakeDecision;

    /// <summary><c>cancel ID</c> or <c>status ID</c>: about a task the caller may or may not see, not about a project.</summary>
    public sealed record TaskCommand(CommandRequest Request, Principal Caller) : IntakeDecision;

    /// <summary>Admitted, parsed, allowed, routed, authorised and guarded: ready for the queue.</summary>
    public sealed record Accepted(NewTask Task, CommandRequest Request) : IntakeDecision;
}
