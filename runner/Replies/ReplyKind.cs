namespace Codeur.Runner.Replies;

/// <summary>What a reply is for; stored by name (<see cref="ReplyKinds"/>).</summary>
public enum ReplyKind
{
    /// <summary>"Task X queued (position N)", where the platform got no immediate chat response (GitHub, mentions, relays).</summary>
    Ack,

    /// <summary>An edit of the acknowledgement while a long task runs.</summary>
    Progress,

    /// <summary>The task's final state.</summary>
    Ending,

    /// <summary>A command that did not become a task (unknown project, disallowed command, requester not permitted, queue full).</summary>
    Rejection,
}
