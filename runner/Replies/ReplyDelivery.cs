namespace Codeur.Runner.Replies;

/// <summary>How one attempt to deliver a reply went.</summary>
internal sealed record ReplyDelivery
{
    public bool Delivered { get; private init; }

    /// <summary>The platform's id of the posted message (for later edits).</summary>
    public string? MessageRef { get; private init; }

    /// <summary>Trying again cannot help (no token configured, 4xx other than 429): give up now.</summary>
    public bool Permanent { get; private init; }

    /// <summary>What the platform asked for (429/503 Retry-After).</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public string? Error { get; private init; }

    public static ReplyDelivery Sent(string? messageRef) => new() { Delivered = true, MessageRef = messageRef };

    public static ReplyDelivery Retry(string error, TimeSpan? after = null) => new() { Error = error, RetryAfter = after };

    public static ReplyDelivery GiveUp(string error) => new() { Error = error, Permanent = true };
}
