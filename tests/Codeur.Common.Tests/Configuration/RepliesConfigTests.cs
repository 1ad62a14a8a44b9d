using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class RepliesConfigTests
{
    [Fact]
    public void Load_EmptyDocument_GivesReplyDefaults()
    {
        var w = AgentConfigLoader.Load("", _ => null).Webhook;

        Assert.Null(w.SlackBotToken);
        Assert.Equal("https://api.github.com", w.Replies.GithubApiUrl);
        Assert.Equal("https://slack.com/api", w.Replies.SlackApiUrl);
        Assert.Equal("https://hooks.slack.com", w.Replies.SlackHooksUrl);
        Assert.Equal("https://discord.com/api/v10", w.Replies.DiscordApiUrl);
        Assert.Equal(60, w.Replies.ProgressInterval);
        Assert.Equal(86_400, w.Replies.Expiry);
        Assert.Equal(10, w.Replies.RequestTimeout);
        Assert.Null(w.Replies.TaskApiUrl);
        Assert.Empty(w.Replies.Redact);
        Assert.Null(w.Replies.Admins.Slack);
    }

    [Fact]
    public void Load_ReplyKeys_ReadFromSnakeCaseWithSecretsFromEnvironment()
    {
        const string yaml = """
            webhook:
              slack_bot_token: "${SLACK_BOT_TOKEN}"
              replies:
                github_api_url: https://github.example.com/api/v3
                progress_interval: 0
                expiry: 3600
                request_timeout: 5
                task_api_url: https://agent.example.com
                redact: ["${SANDBOX_TOKEN}"]
                admins: {github: [monalisa], slack: [U1], discord: ["80351110224678912"]}
            """;
        var environment = new Dictionary<string, string> { ["SLACK_BOT_TOKEN"] = "xoxb-1-2-3", ["SANDBOX_TOKEN"] = "sandbox-secret" };

        var w = AgentConfigLoader.Load(yaml, name => environment.GetValueOrDefault(name)).Webhook;

        Assert.Equal("xoxb-1-2-3", w.SlackBotToken);
        Assert.Equal("https://github.example.com/api/v3", w.Replies.GithubApiUrl);
        Assert.Equal(0, w.Replies.ProgressInterval);
        Assert.Equal(3600, w.Replies.Expiry);
        Assert.Equal(5, w.Replies.RequestTimeout);
        Assert.Equal("https://agent.example.com", w.Replies.TaskApiUrl);
        Assert.Equal(["sandbox-secret"], w.Replies.Redact);
        Assert.Equal(["monalisa"], w.Replies.Admins.Github);
        Assert.Equal(["80351110224678912"], w.Replies.Admins.Discord);
    }

    [Fact]
    public void Load_EmptySlackBotToken_MeansNotConfigured() =>
        Assert.Null(AgentConfigLoader.Load("webhook:\n  slack_bot_token: \"${EMPTY:-}\"\n", _ => null).Webhook.SlackBotToken);

    [Theory]
    [InlineData("webhook:\n  replies:\n    github_api_url: api.github.com\n", "webhook.replies.github_api_url (line 3)")]
    [InlineData("webhook:\n  replies:\n    discord_api_url: ftp://discord.com\n", "webhook.replies.discord_api_url")]
    [InlineData("webhook:\n  replies:\n    progress_interval: -1\n", "webhook.replies.progress_interval (line 3)")]
    [InlineData("webhook:\n  replies:\n    expiry: 10\n", "webhook.replies.expiry")]
    [InlineData("webhook:\n  replies:\n    request_timeout: 0\n", "webhook.replies.request_timeout")]
    [InlineData("webhook:\n  replies:\n    redact: [abc]\n", "webhook.replies.redact[0]")]
    [InlineData("webhook:\n  replies:\n    retries: 3\n", "unknown key 'retries'")]
    [InlineData("webhook:\n  replies:\n    admins: {teams: [x]}\n", "unknown key 'teams'")]
    public void Load_InvalidReplyValue_FailsNamingKey(string yaml, string expected)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
