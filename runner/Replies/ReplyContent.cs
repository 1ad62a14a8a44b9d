namespace Codeur.Runner.Replies;

/// <summary>
/// What a reply says, independent of the platform: each sender renders it within its platform's limits. Already
/// redacted when stored. New result fields (a branch, a diffstat) go in <see cref="Details"/>.
/// </summary>
public sealed record ReplyContent
{
    /// <summary>One line: what happened (<c>Task `abc` failed with exit code 3.</c>).</summary>
    public required string Headline { get; init; }

    /// <summary>Extra lines shown under the headline, in order (label: value facts).</summary>
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>The output to show (a tail); null for none.</summary>
    public string? Output { get; init; }

    /// <summary>True when <see cref="Output"/> is not the whole output: the reply then points at the full log.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>Where the full log is (the task API), when there is a task.</summary>
    public string? LogUrl { get; init; }

    /// <summary>Only the requester should see it (Slack ephemeral, Discord ephemeral flag) where the platform allows.</summary>
    public bool Private { get; init; }

    /// <summary>When the platform request arrived: Slack's response_url lives 30 minutes, Discord's interaction token 15.</summary>
    public DateTimeOffset ReceivedAt { get; init; }
}
