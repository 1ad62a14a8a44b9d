namespace Codeur.Runner.Replies;

/// <summary>An outbox entry due for delivery.</summary>
public sealed record StoredReply
{
    public required long Id { get; init; }

    public required OutgoingReply Reply { get; init; }

    /// <summary>Attempts made so far (0 for the first).</summary>
    public int Attempts { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The platform's id of this task's delivered acknowledgement (GitHub comment id, Slack ts, Discord message id), for edits.</summary>
    public string? AckRef { get; init; }
}
