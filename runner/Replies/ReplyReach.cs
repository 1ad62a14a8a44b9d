using Codeur.Configuration;

namespace Codeur.Runner.Replies;

/// <summary>
/// Whether a reply could ever reach its platform, decided before anything is formatted or stored: a platform token
/// (<c>github_token</c>, <c>slack_bot_token</c>, <c>discord_bot_token</c>), or a live callback the request brought
/// (a Slack <c>response_url</c> for 30 minutes, a Discord interaction token for 14). A reply with neither would only
/// be stored, retried and given up, each attempt a log line: it is not stored at all (issue 16).
/// </summary>
internal sealed partial class ReplyReach(AgentConfig config, TimeProvider time, ILogger<ReplyReach> logger) : IHostedService
{
    private static readonly string[] Platforms = ["github", "slack", "discord"];

    public bool HasToken(string platform) => platform switch
    {
        "github" => config.Webhook.GithubToken is not null,
        "slack" => config.Webhook.SlackBotToken is not null,
        "discord" => config.Webhook.DiscordBotToken is not null,
        _ => false,
    };

    /// <summary>
    /// True when a reply of <paramref name="kind"/> to a request received at <paramref name="receivedAt"/> has a way out.
    /// Callbacks never carry an acknowledgement (the platform showed the request's own answer), so an ack needs the token.
    /// </summary>
    public bool CanDeliver(string platform, ReplyKind kind, ReplyContext context, DateTimeOffset receivedAt)
    {
        if (HasToken(platform))
        {
            return true;
        }

        if (kind == ReplyKind.Ack)
        {
            return false;
        }

        var age = time.GetUtcNow() - receivedAt;
        return platform switch
        {
            "slack" => context["response_url"] is not null && age < SlackReplySender.ResponseUrlLifetime,
            "discord" => context["interaction_token"] is not null && context["application_id"] is not null
                && age < DiscordReplySender.InteractionLifetime,
            _ => false,
        };
    }

    /// <summary>One line at start naming each platform without a token, so a silent platform is never a surprise.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var missing = Platforms.Where(p => !HasToken(p)).ToArray();
        if (missing.Length > 0)
        {
            Log.NoWayToReply(logger, string.Join(", ", missing));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(311, LogLevel.Warning,
            "No reply token for {Platforms} (github_token, slack_bot_token, discord_bot_token): replies there go only through a live Slack response_url or Discord interaction token, and replies with no way out are not stored")]
        public static partial void NoWayToReply(ILogger logger, string platforms);
    }
}
