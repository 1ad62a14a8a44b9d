namespace Codeur.Configuration;

/// <summary>
/// <c>queue.retention</c>: how long ended work stays in the store. Durations as <see cref="DurationText"/> reads them;
/// <c>0</c> keeps that kind forever. Only ended tasks and delivered or given-up replies are ever removed.
/// </summary>
public sealed class RetentionSection
{
    /// <summary>Ended tasks (the whole record: output, git result, dedupe key) are deleted this long after they ended.</summary>
    public string Tasks { get; set; } = "30d";

    /// <summary>The output of an ended task (up to <c>sandbox.output_limit</c>, the bulk of the store) is cleared sooner.</summary>
    public string Outputs { get; set; } = "7d";

    /// <summary>A repeated delivery id (X-GitHub-Delivery, Slack event_id...) is answered with the original task for this long.</summary>
    public string DedupeKeys { get; set; } = "7d";

    /// <summary>Delivered or given-up replies in the outbox are deleted this long after they were queued.</summary>
    public string Replies { get; set; } = "2d";

    /// <summary>How often the pruner runs.</summary>
    public string Interval { get; set; } = "10m";

    /// <summary>Rows changed per write transaction: intake's writes wait for at most one batch.</summary>
    public int Batch { get; set; } = 500;

    public static IEnumerable<ConfigError> Validate(RetentionSection r, int taskTimeoutSeconds, string path)
    {
        foreach (var (key, value) in new[] { ("tasks", r.Tasks), ("outputs", r.Outputs), ("dedupe_keys", r.DedupeKeys), ("replies", r.Replies) })
        {
            if (!DurationText.TryParse(value, out _))
            {
                yield return new($"{path}.{key}", "must be a duration such as 90s, 15m, 12h or 30d, or 0 to keep forever");
            }
        }

        if (!DurationText.TryParse(r.Interval, out var interval) || interval < TimeSpan.FromSeconds(1))
        {
            yield return new($"{path}.interval", "must be a duration of at least 1s, such as 10m");
        }

        // A running task's acknowledgement is edited by its progress replies: keep it at least as long as a task may run.
        if (DurationText.TryParse(r.Replies, out var replies) && replies != TimeSpan.Zero && replies < TimeSpan.FromSeconds(taskTimeoutSeconds))
        {
            yield return new($"{path}.replies", "must be at least webhook.timeout (a running task's replies are still edited)");
        }

        if (r.Batch is < 1 or > 100_000)
        {
            yield return new($"{path}.batch", "must be between 1 and 100000");
        }
    }
}
