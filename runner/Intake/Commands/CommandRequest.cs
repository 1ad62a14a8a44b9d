namespace Codeur.Runner.Intake.Commands;

/// <summary>
/// A platform payload reduced to what policy, routing and the queue need. The platform parsers fill in who and where
/// (<see cref="Command"/> still empty); the pipeline adds the parsed command. Nothing here has been authorised yet.
/// </summary>
public sealed record CommandRequest
{
    /// <summary>github, slack, discord or api.</summary>
    public required string Platform { get; init; }

    /// <summary>The command word as typed (lower-cased), e.g. <c>run</c>.</summary>
    public required string Command { get; init; }

    /// <summary>Arguments after the command, split shell-like (quotes honoured) but never given to a shell; <c>--project X</c> removed.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>From <c>--project NAME</c> or the platform's project option.</summary>
    public string? ProjectHint { get; init; }

    /// <summary>Platform user id or login (GitHub login, Slack user id, Discord user id) or bearer identity.</summary>
    public required string Requester { get; init; }

    /// <summary>GitHub <c>repository.full_name</c> when known.</summary>
    public string? Repository { get; init; }

    /// <summary>Slack team id or Discord guild id the message came from, when the payload says.</summary>
    public string? Workspace { get; init; }

    /// <summary>Slack or Discord channel id.</summary>
    public string? Channel { get; init; }

    /// <summary>GitHub <c>author_association</c> of the comment or issue author, as the payload states it.</summary>
    public string? Association { get; init; }

    /// <summary>
    /// A relay body (<c>{text,user_id,channel_id}</c>, <c>{content,author}</c>, a CI's GitHub-shaped body) rather than the
    /// platform's own payload: its user is a claim unless the token is trusted for the platform.
    /// </summary>
    public bool IsRelay { get; init; }

    /// <summary>Idempotency key of the delivery (X-GitHub-Delivery, Slack event_id, Discord interaction id).</summary>
    public string? DedupeKey { get; init; }

    /// <summary>Opaque JSON for the reply stage (issue/PR number, response_url, channel, interaction token...).</summary>
    public string? ReplyContext { get; init; }

    /// <summary>Delivery attempt reported by the platform (Slack's <c>X-Slack-Retry-Num</c>); 0 for a first delivery. Dedupe makes retries harmless.</summary>
    public int RetryNumber { get; init; }

    /// <summary>Routing text for events that carry no task text (a pull request's title); routing uses <see cref="TaskText"/> when null.</summary>
    public string? RoutingText { get; init; }

    /// <summary>The text the routing falls back to when there is no hint and no repository: the joined args.</summary>
    public string TaskText => string.Join(' ', Args);
}
