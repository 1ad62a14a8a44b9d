namespace Codeur.Gateway.Spool;

/// <summary>The headers a spooled request keeps and the ones the gateway adds for the runner.</summary>
internal static class SpoolHeaders
{
    /// <summary>
    /// The gateway's id for a request it may spool, sent on the first attempt too: the runner dedupes on it when the
    /// payload has no delivery id of its own, so a request the runner took just before it died is not taken twice.
    /// </summary>
    public const string RequestId = "X-Codeur-Request-Id";

    /// <summary>Set only by the drainer (arrival time, ISO 8601): the caller is no longer waiting, so answers go as replies.</summary>
    public const string SpooledAt = "X-Codeur-Spooled-At";

    /// <summary>
    /// What the runner reads from a platform request, plus the signature headers for a later audit. An allowlist: a
    /// spooled request carries what we understand, not whatever a client sent.
    /// </summary>
    public static readonly HashSet<string> Carried = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type",
        "User-Agent",
        "Idempotency-Key",
        "X-GitHub-Event",
        "X-GitHub-Delivery",
        "X-GitHub-Hook-ID",
        "X-Hub-Signature-256",
        "X-Slack-Request-Timestamp",
        "X-Slack-Signature",
        "X-Slack-Retry-Num",
        "X-Slack-Retry-Reason",
        "X-Signature-Ed25519",
        "X-Signature-Timestamp",
    };
}
