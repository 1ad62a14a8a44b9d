using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

/// <summary>
/// One <c>.agent.yaml</c>, two environments: each service is started with its own env file and needs (and keeps) only
/// its own secrets. The spec's style, <c>${NAME}</c> without a default, is what would otherwise fail at start.
/// </summary>
public sealed class ConfigAudienceTests
{
    private const string Yaml = """
        webhook:
          auth_token: "${AGENT_WEBHOOK_TOKEN}"
          github_webhook_secret: "${GITHUB_WEBHOOK_SECRET}"
          slack_signing_secret: "${SLACK_SIGNING_SECRET}"
          discord_public_key: "${DISCORD_PUBLIC_KEY}"
          slack: {teams: ["*"]}
          discord: {guilds: ["*"]}
          tokens: {ci: "${CI_TOKEN}"}
          github_token: "${GITHUB_TOKEN}"
          discord_bot_token: "${DISCORD_BOT_TOKEN}"
          slack_bot_token: "${SLACK_BOT_TOKEN}"
          replies: {redact: ["${EXTRA_SECRET}"]}
          runner: {url: "http://127.0.0.1:8081", internal_token: "${CODEUR_INTERNAL_TOKEN}"}
        """;

    private static readonly Dictionary<string, string> GatewayEnv = new()
    {
        ["AGENT_WEBHOOK_TOKEN"] = "bearer-0123456789",
        ["GITHUB_WEBHOOK_SECRET"] = "gh-hook-secret",
        ["SLACK_SIGNING_SECRET"] = "slack-signing",
        ["DISCORD_PUBLIC_KEY"] = new string('a', 64),
        ["CI_TOKEN"] = "ci-token-0123456789",
        ["CODEUR_INTERNAL_TOKEN"] = "internal-0123456789",
    };

    private static readonly Dictionary<string, string> RunnerEnv = new()
    {
        ["GITHUB_TOKEN"] = "ghp_reply",
        ["DISCORD_BOT_TOKEN"] = "discord-bot",
        ["SLACK_BOT_TOKEN"] = "xoxb-bot",
        ["EXTRA_SECRET"] = "extra",
        ["CODEUR_INTERNAL_TOKEN"] = "internal-0123456789",
    };

    [Fact]
    public void Load_GatewayWithOnlyItsEnvFile_StartsWithoutRunnerSecrets()
    {
        Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(Yaml, name => GatewayEnv.GetValueOrDefault(name)));

        var w = AgentConfigLoader.Load(Yaml, name => GatewayEnv.GetValueOrDefault(name), audience: ConfigAudience.Gateway).Webhook;

        Assert.Equal("bearer-0123456789", w.AuthToken);
        Assert.Equal("gh-hook-secret", w.GithubWebhookSecret);
        Assert.Equal("ci-token-0123456789", w.Tokens["ci"].Token);
        Assert.Equal("internal-0123456789", w.Runner.InternalToken);
        Assert.Null(w.GithubToken);
        Assert.Null(w.DiscordBotToken);
        Assert.Null(w.SlackBotToken);
        Assert.Empty(w.Replies.Redact);
    }

    [Fact]
    public void Load_RunnerWithOnlyItsEnvFile_StartsWithoutGatewaySecrets()
    {
        Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(Yaml, name => RunnerEnv.GetValueOrDefault(name)));

        var w = AgentConfigLoader.Load(Yaml, name => RunnerEnv.GetValueOrDefault(name), audience: ConfigAudience.Runner).Webhook;

        Assert.Equal("ghp_reply", w.GithubToken);
        Assert.Equal(["extra"], w.Replies.Redact);
        Assert.Null(w.AuthToken);
        Assert.Null(w.GithubWebhookSecret);
        Assert.Null(w.SlackSigningSecret);
        Assert.Null(w.DiscordPublicKey);
        Assert.Empty(w.Tokens);
    }

    [Fact]
    public void Load_GatewayMissingAVariableOfItsOwnKey_FailsNamingIt()
    {
        var env = new Dictionary<string, string>(GatewayEnv);
        env.Remove("GITHUB_WEBHOOK_SECRET");

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(Yaml, name => env.GetValueOrDefault(name), audience: ConfigAudience.Gateway));

        Assert.Contains("webhook.github_webhook_secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("GITHUB_WEBHOOK_SECRET", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GITHUB_TOKEN ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RunnerMissingTheSharedInternalToken_FailsNamingIt()
    {
        var env = new Dictionary<string, string>(RunnerEnv);
        env.Remove("CODEUR_INTERNAL_TOKEN");

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(Yaml, name => env.GetValueOrDefault(name), audience: ConfigAudience.Runner));

        Assert.Contains("CODEUR_INTERNAL_TOKEN", error.Message, StringComparison.Ordinal);
    }
}
