using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class AgentConfigLoaderTests
{
    // ARCHITECTURE.md section 5, verbatim.
    private const string SpecExample = """
        webhook:
          host: "0.0.0.0"            # gateway bind address
          port: 8080                 # gateway port
          workers: 4                 # runner worker count
          auth_token: "${AGENT_WEBHOOK_TOKEN}"   # bearer token accepted on every route
          rate_limit: 100            # requests per minute per identity (token / platform / IP)
          timeout: 300               # seconds, hard kill
          discord_bot_token: "${DISCORD_BOT_TOKEN}"
          github_webhook_secret: "${GITHUB_WEBHOOK_SECRET}"
          slack_signing_secret: "${SLACK_SIGNING_SECRET}"
          project_mapping: [{pattern: "backend|api|server", path: "/srv/projects/backend"}, ...]
          allowed_commands: [run, analyze, search, status]
          forbidden_paths: ["/etc", "/var", "/root", "~/.ssh"]
          # extensions (names may be refined; document them in the README)
          discord_public_key: "${DISCORD_PUBLIC_KEY}"   # hex Ed25519 key for interaction signatures
          github_token: "${GITHUB_TOKEN}"               # to post comments back
          tls: {certificate: /path/cert.pem, key: /path/key.pem}   # absent: plain HTTP + loud warning
          ip_allowlist: ["10.0.0.0/8", "192.30.252.0/22"]          # absent: all addresses
          runner: {url: "http://127.0.0.1:8081", internal_token: "${CODEUR_INTERNAL_TOKEN}"}
          sandbox: {image: "codeur/sandbox:latest", memory: "2g", cpus: 2, pids: 512, network: none,
                    commands: {run: ["agent", "--message", "{task}"]}}
          queue: {backend: sqlite, path: "./data/codeur.db"}      # or {backend: redis, connection: "..."}
        """;

    private const string SpecAllowlists = """

          slack: {teams: ["T0001"]}
          discord: {guilds: ["*"]}
        """;

    [Fact]
    public void Load_SpecExampleWithoutAllowlists_FailsNamingBothKeys()
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(SpecExample, SpecEnvironment.GetValueOrDefault));

        Assert.Contains("webhook.slack.teams", error.Message, StringComparison.Ordinal);
        Assert.Contains("webhook.discord.guilds", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Errors.Count);
    }

    [Theory]
    [InlineData("  slack_signing_secret: s\n  slack: {teams: [\"T1\", \"*\"]}\n", null)]
    [InlineData("  slack: {teams: [\"T 1\"]}\n", "webhook.slack.teams[0]")]
    [InlineData("  project_mapping:\n    - {pattern: x, path: /p, allow: {repositories: [\"acme\"]}}\n", "webhook.project_mapping[0].allow.repositories[0]")]
    [InlineData("  project_mapping:\n    - {pattern: x, path: /p, commands: {cancel: {tokens: [ci]}}}\n", "webhook.project_mapping[0].commands")]
    [InlineData("  project_mapping:\n    - {pattern: x, path: /p, commands: {run: {associations: [BOSS]}}}\n", "webhook.project_mapping[0].commands.run.associations[0]")]
    [InlineData("  project_mapping:\n    - {pattern: x, path: /p, allow: {slack: [\"T1/C1\"], tokens: [ci], repositories: [\"acme/*\"]}, commands: {run: {associations: [OWNER]}}}\n", null)]
    public void Load_AccessRules_ValidatedWithKey(string yaml, string? key)
    {
        if (key is null)
        {
            Assert.NotNull(AgentConfigLoader.Load("webhook:\n" + yaml));
            return;
        }

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load("webhook:\n" + yaml));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static readonly Dictionary<string, string> SpecEnvironment = new()
    {
        ["AGENT_WEBHOOK_TOKEN"] = "token-123",
        ["DISCORD_BOT_TOKEN"] = "discord-bot",
        ["GITHUB_WEBHOOK_SECRET"] = "gh-secret",
        ["SLACK_SIGNING_SECRET"] = "slack-secret",
        ["DISCORD_PUBLIC_KEY"] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        ["GITHUB_TOKEN"] = "ghp_example",
        ["CODEUR_INTERNAL_TOKEN"] = "internal",
    };

    [Fact]
    public void Load_SpecExampleWithVariablesSet_LoadsEveryKey()
    {
        // Issue 14: with Slack and Discord configured, the workspaces and guilds that may use the agent must be named
        // (anyone can install a Discord app); the spec's example needs these two lines since then.
        var config = AgentConfigLoader.Load(SpecExample + SpecAllowlists, SpecEnvironment.GetValueOrDefault);

        var w = config.Webhook;
        Assert.Equal("0.0.0.0", w.Host);
        Assert.Equal(8080, w.Port);
        Assert.Equal(4, w.Workers);
        Assert.Equal("token-123", w.AuthToken);
        Assert.Equal(100, w.RateLimit);
        Assert.Equal(300, w.Timeout);
        Assert.Equal("discord-bot", w.DiscordBotToken);
        Assert.Equal("gh-secret", w.GithubWebhookSecret);
        Assert.Equal("slack-secret", w.SlackSigningSecret);
        var mapping = Assert.Single(w.ProjectMapping);
        Assert.Equal("backend|api|server", mapping.Pattern);
        Assert.Equal("/srv/projects/backend", mapping.Path);
        Assert.Equal(["run", "analyze", "search", "status"], w.AllowedCommands);
        Assert.Equal(["/etc", "/var", "/root", "~/.ssh"], w.ForbiddenPaths);
        Assert.Equal(SpecEnvironment["DISCORD_PUBLIC_KEY"], w.DiscordPublicKey);
        Assert.Equal("ghp_example", w.GithubToken);
        Assert.Equal("/path/cert.pem", w.Tls?.Certificate);
        Assert.Equal("/path/key.pem", w.Tls?.Key);
        Assert.Equal(["10.0.0.0/8", "192.30.252.0/22"], w.IpAllowlist);
        Assert.Equal("http://127.0.0.1:8081", w.Runner.Url);
        Assert.Equal("internal", w.Runner.InternalToken);
        Assert.Equal("codeur/sandbox:latest", w.Sandbox.Image);
        Assert.Equal("2g", w.Sandbox.Memory);
        Assert.Equal(2, w.Sandbox.Cpus);
        Assert.Equal(512, w.Sandbox.Pids);
        Assert.Equal("none", w.Sandbox.Network);
        Assert.Equal(["agent", "--message", "{task}"], w.Sandbox.Commands["run"]);
        Assert.Equal("sqlite", w.Queue.Backend);
        Assert.Equal("./data/codeur.db", w.Queue.Path);
    }

    [Fact]
    public void Load_SpecExampleWithVariableMissing_FailsNamingVariableKeyAndLine()
    {
        var environment = new Dictionary<string, string>(SpecEnvironment);
        environment.Remove("SLACK_SIGNING_SECRET");

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(SpecExample, environment.GetValueOrDefault));

        Assert.Contains("SLACK_SIGNING_SECRET", error.Message);
        Assert.Contains("webhook.slack_signing_secret (line 10)", error.Message);
    }

    [Fact]
    public void Load_UnknownKey_FailsWithKeyAndLine()
    {
        const string yaml = "webhook:\n  port: 8080\n  rate_limt: 5\n";

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains("line 3", error.Message);
        Assert.Contains("unknown key 'rate_limt'", error.Message);
    }

    [Fact]
    public void Load_WrongType_FailsWithKeyPathAndLine()
    {
        const string yaml = "webhook:\n  host: 127.0.0.1\n  port: eighty\n";

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains("webhook.port (line 3)", error.Message);
    }

    [Theory]
    [InlineData("webhook:\n  port: 70000\n", "webhook.port (line 2): must be between 0 and 65535")]
    [InlineData("webhook:\n  rate_limit: 0\n", "webhook.rate_limit (line 2)")]
    [InlineData("webhook:\n  ip_allowlist: [\"10.0.0.0/8\", \"not-a-network\"]\n", "webhook.ip_allowlist[1] (line 2)")]
    [InlineData("webhook:\n  discord_public_key: \"abc\"\n", "webhook.discord_public_key (line 2)")]
    [InlineData("webhook:\n  project_mapping:\n    - pattern: \"(unclosed\"\n      path: /srv/x\n", "webhook.project_mapping[0].pattern (line 3)")]
    [InlineData("webhook:\n  allowed_commands: [run, format_disk]\n", "webhook.allowed_commands[1] (line 2)")]
    [InlineData("webhook:\n  body_limits: {github: 30m}\n", "webhook.body_limits.github (line 2): must not exceed 25m")]
    [InlineData("webhook:\n  queue: {backend: redis}\n", "webhook.queue.connection")]
    [InlineData("webhook:\n  queue: {backend: redis, connection: \"redis:6379\", lease: 1}\n", "webhook.queue.lease (line 2): must be between 2 and 3600 seconds")]
    [InlineData("webhook:\n  runner: {url: \"not a url\"}\n", "webhook.runner.url (line 2)")]
    public void Load_InvalidValue_FailsNamingKeyAndLine(string yaml, string expected)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Load_InvalidSecret_NeverEchoesTheValue()
    {
        const string yaml = "webhook:\n  discord_public_key: \"${KEY}\"\n";

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, name => name == "KEY" ? "super-secret-not-hex" : null));

        Assert.DoesNotContain("super-secret-not-hex", error.Message);
    }

    [Fact]
    public void Load_Placeholders_ExpandDefaultsFilesAndEmbeddedText()
    {
        var secretFile = Path.GetTempFileName();
        File.WriteAllText(secretFile, "from-file\n");
        try
        {
            var yaml = $"webhook:\n  auth_token: \"${{file:{secretFile}}}\"\n  host: \"${{HOST:-127.0.0.1}}\"\n  runner: {{url: \"http://${{RUNNER_HOST}}:9000\"}}\n";

            var config = AgentConfigLoader.Load(yaml, name => name == "RUNNER_HOST" ? "10.1.2.3" : null);

            Assert.Equal("from-file", config.Webhook.AuthToken);
            Assert.Equal("127.0.0.1", config.Webhook.Host);
            Assert.Equal("http://10.1.2.3:9000", config.Webhook.Runner.Url);
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Fact]
    public void Load_EmptySecretVariable_MeansNotConfigured()
    {
        var config = AgentConfigLoader.Load("webhook:\n  github_webhook_secret: \"${SECRET}\"\n", name => name == "SECRET" ? "" : null);

        Assert.Null(config.Webhook.GithubWebhookSecret);
    }

    [Fact]
    public void Load_EmptyDocument_GivesStrictDefaults()
    {
        var config = AgentConfigLoader.Load("", _ => null);

        Assert.Null(config.Webhook.AuthToken);
        Assert.Null(config.Webhook.IpAllowlist);
        Assert.Equal("none", config.Webhook.Sandbox.Network);
        Assert.Equal(300, config.Webhook.Timeout);
    }

    [Fact]
    public void ResolvePath_PrefersCommandLineThenEnvironmentThenWorkingDirectory()
    {
        Assert.Equal(Path.GetFullPath("/etc/a.yaml"), AgentConfigLoader.ResolvePath("/etc/a.yaml", _ => "/etc/b.yaml"));
        Assert.Equal(Path.GetFullPath("/etc/b.yaml"), AgentConfigLoader.ResolvePath(null, name => name == "AGENT_CONFIG" ? "/etc/b.yaml" : null));
        Assert.Equal(Path.GetFullPath(".agent.yaml"), AgentConfigLoader.ResolvePath(null, _ => null));
    }

    [Fact]
    public void LoadFile_MissingFile_FailsNamingThePath()
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.LoadFile("/nonexistent/.agent.yaml"));

        Assert.Contains("/nonexistent/.agent.yaml", error.Message);
    }
}
