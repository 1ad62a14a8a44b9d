using System.Text.Json;

namespace Codeur.Configuration;

/// <summary>
/// Settings a running service cannot take on: listening sockets, TLS file paths, the queue store, the worker pool,
/// the sandbox, the gateway↔runner link, the reply clients. On a reload they keep their start value (so every reader
/// sees what is really in force) and each one that differs is named, so the operator knows a restart is due.
/// Everything not listed here reloads.
/// </summary>
public static class RestartOnlySettings
{
    private static readonly Setting[] All =
    [
        new("webhook.host", w => w.Host, (to, from) => to.Host = from.Host),
        new("webhook.port", w => w.Port, (to, from) => to.Port = from.Port),
        new("webhook.workers", w => w.Workers, (to, from) => to.Workers = from.Workers),
        new("webhook.timeout", w => w.Timeout, (to, from) => to.Timeout = from.Timeout),
        new("webhook.tls", w => w.Tls, (to, from) => to.Tls = from.Tls),
        new("webhook.client_limits", w => w.ClientLimits, (to, from) => to.ClientLimits = from.ClientLimits),
        new("webhook.body_limits", w => w.BodyLimits, (to, from) => to.BodyLimits = from.BodyLimits),
        new("webhook.runner", w => w.Runner, (to, from) => to.Runner = from.Runner),
        new("webhook.queue", w => w.Queue, (to, from) => to.Queue = from.Queue),
        new("webhook.sandbox", w => w.Sandbox, (to, from) => to.Sandbox = from.Sandbox),
        new("webhook.audit", w => w.Audit, (to, from) => to.Audit = from.Audit),
        new("webhook.storage", w => w.Storage, (to, from) => to.Storage = from.Storage),
        new("webhook.github_token", w => w.GithubToken, (to, from) => to.GithubToken = from.GithubToken),
        new("webhook.slack_bot_token", w => w.SlackBotToken, (to, from) => to.SlackBotToken = from.SlackBotToken),
        new("webhook.discord_bot_token", w => w.DiscordBotToken, (to, from) => to.DiscordBotToken = from.DiscordBotToken),
        new("webhook.replies.github_api_url", w => w.Replies.GithubApiUrl, (to, from) => to.Replies.GithubApiUrl = from.Replies.GithubApiUrl),
        new("webhook.replies.slack_api_url", w => w.Replies.SlackApiUrl, (to, from) => to.Replies.SlackApiUrl = from.Replies.SlackApiUrl),
        new("webhook.replies.slack_hooks_url", w => w.Replies.SlackHooksUrl, (to, from) => to.Replies.SlackHooksUrl = from.Replies.SlackHooksUrl),
        new("webhook.replies.discord_api_url", w => w.Replies.DiscordApiUrl, (to, from) => to.Replies.DiscordApiUrl = from.Replies.DiscordApiUrl),
        new("webhook.replies.progress_interval", w => w.Replies.ProgressInterval, (to, from) => to.Replies.ProgressInterval = from.Replies.ProgressInterval),
        new("webhook.replies.expiry", w => w.Replies.Expiry, (to, from) => to.Replies.Expiry = from.Replies.Expiry),
        new("webhook.replies.request_timeout", w => w.Replies.RequestTimeout, (to, from) => to.Replies.RequestTimeout = from.Replies.RequestTimeout),
        new("webhook.replies.task_api_url", w => w.Replies.TaskApiUrl, (to, from) => to.Replies.TaskApiUrl = from.Replies.TaskApiUrl),
        new("webhook.replies.redact", w => w.Replies.Redact, (to, from) => to.Replies.Redact = from.Replies.Redact),
    ];

    /// <summary>The restart-only keys, for documentation and tests.</summary>
    public static IEnumerable<string> Keys => All.Select(s => s.Key);

    /// <summary>
    /// Puts <paramref name="running"/>'s value of every restart-only setting into <paramref name="next"/> and returns
    /// the keys whose value the file changed.
    /// </summary>
    public static IReadOnlyList<string> KeepRunningValues(AgentConfig running, AgentConfig next)
    {
        List<string>? changed = null;
        foreach (var setting in All)
        {
            if (!SameValue(setting.Get(running.Webhook), setting.Get(next.Webhook)))
            {
                (changed ??= []).Add(setting.Key);
            }

            setting.Keep(next.Webhook, running.Webhook);
        }

        return changed ?? (IReadOnlyList<string>)[];
    }

    // Sections are plain data: equal serialisations are equal settings.
    private static bool SameValue(object? a, object? b) =>
        JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    private sealed record Setting(string Key, Func<WebhookSection, object?> Get, Action<WebhookSection, WebhookSection> Keep);
}
