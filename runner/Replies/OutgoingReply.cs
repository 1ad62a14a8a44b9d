namespace Codeur.Runner.Replies;

/// <summary>A reply to store in the outbox: where it goes (<see cref="Platform"/> and the task's reply context) and what it says.</summary>
public sealed record OutgoingReply
{
    public required string Platform { get; init; }

    /// <summary>The task it is about; null for a rejection, which has no task.</summary>
    public string? TaskId { get; init; }

    public required ReplyKind Kind { get; init; }

    /// <summary>The reply context JSON captured at intake (issue number, response_url, channel, interaction token...).</summary>
    public required string Context { get; init; }

    public required ReplyContent Content { get; init; }

    /// <summary>W3C <c>traceparent</c> of the span that stored the reply; its delivery continues that trace.</summary>
    public string? TraceParent { get; init; }
}
