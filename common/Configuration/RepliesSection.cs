namespace Codeur.Configuration;

/// <summary>
/// How the runner answers on the platforms (<c>webhook.replies</c>): API base URLs (GitHub Enterprise, tests), the
/// progress interval, how long an undelivered reply is retried, and extra secrets to mask.
/// </summary>
public sealed class RepliesSection
{
    /// <summary>GitHub REST API base; <c>https://HOST/api/v3</c> for GitHub Enterprise Server.</summary>
    public string GithubApiUrl { get; set; } = "https://api.github.com";

    /// <summary>Slack Web API base (<c>chat.postMessage</c>, <c>chat.update</c>).</summary>
    public string SlackApiUrl { get; set; } = "https://slack.com/api";

    /// <summary>Where a slash command's <c>response_url</c> (always on hooks.slack.com) is sent; only tests change it.</summary>
    public string SlackHooksUrl { get; set; } = "https://hooks.slack.com";

    /// <summary>Discord HTTP API base (interaction webhooks, channel messages).</summary>
    public string DiscordApiUrl { get; set; } = "https://discord.com/api/v10";

    /// <summary>Seconds a task runs before its acknowledgement is edited with progress, and between edits; 0 turns progress off.</summary>
    public int ProgressInterval { get; set; } = 60;

    /// <summary>Seconds an undelivered reply is retried before it is given up (metered and logged).</summary>
    public int Expiry { get; set; } = 86_400;

    /// <summary>Seconds one HTTP attempt to a platform may take.</summary>
    public int RequestTimeout { get; set; } = 10;

    /// <summary>Public base URL of the task API, for the "full log" link; absent: the path alone.</summary>
    public string? TaskApiUrl { get; set; }

    /// <summary>Further secrets masked in replies and logs (tokens given to the sandbox, for instance).</summary>
    public List<string> Redact { get; set; } = [];

    /// <summary>Per-platform users who may cancel anyone's task from chat (GitHub logins, Slack and Discord user ids).</summary>
    public RequestersSection Admins { get; set; } = new();
}
