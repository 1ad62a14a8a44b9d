namespace Codeur.Configuration;

/// <summary>
/// The secret keys of <c>.agent.yaml</c> that only one service uses. The gateway verifies callers (bearer tokens,
/// platform signing secrets); the runner acts on platforms (reply tokens). A service loading the file leaves the other
/// one's keys unexpanded — a <c>${NAME}</c> there needs no variable in its environment — and then drops them, so the
/// values never exist in its process. Shared keys (<c>runner.internal_token</c>, <c>queue.connection</c>) stay with
/// both; each service's environment gives its own value (for Redis, its own ACL user).
/// </summary>
public static class SecretOwnership
{
    private static readonly string[] GatewayOnly =
    [
        "webhook.auth_token", "webhook.github_webhook_secret", "webhook.slack_signing_secret", "webhook.discord_public_key",
        "webhook.tokens.",
    ];

    private static readonly string[] RunnerOnly =
    [
        "webhook.github_token", "webhook.discord_bot_token", "webhook.slack_bot_token", "webhook.replies.redact[",
    ];

    /// <summary>True when the key at <paramref name="path"/> belongs to the other service than <paramref name="audience"/>.</summary>
    public static bool IsOthers(ConfigAudience audience, string path) => audience switch
    {
        ConfigAudience.Gateway => Matches(RunnerOnly, path) || IsPublishToken(path),
        ConfigAudience.Runner => Matches(GatewayOnly, path),
        _ => false,
    };

    /// <summary>Drops the other service's secrets from a loaded configuration.</summary>
    internal static void Drop(ConfigAudience audience, AgentConfig config)
    {
        var w = config.Webhook;
        if (audience == ConfigAudience.Gateway)
        {
            w.GithubToken = null;
            w.DiscordBotToken = null;
            w.SlackBotToken = null;
            w.Replies.Redact = [];
            foreach (var project in w.ProjectMapping)
            {
                project.Publish.Token = null;
            }
        }
        else if (audience == ConfigAudience.Runner)
        {
            w.AuthToken = null;
            w.GithubWebhookSecret = null;
            w.SlackSigningSecret = null;
            w.DiscordPublicKey = null;
            w.Tokens = [];
        }
    }

    /// <summary>A project's forge credential (<c>webhook.project_mapping[N].publish.token</c>): the runner pushes, the gateway never does.</summary>
    private static bool IsPublishToken(string path) =>
        path.StartsWith("webhook.project_mapping[", StringComparison.Ordinal) && path.EndsWith("].publish.token", StringComparison.Ordinal);

    private static bool Matches(string[] keys, string path) =>
        keys.Any(key => key.EndsWith('.') || key.EndsWith('[') ? path.StartsWith(key, StringComparison.Ordinal) : path == key);
}
