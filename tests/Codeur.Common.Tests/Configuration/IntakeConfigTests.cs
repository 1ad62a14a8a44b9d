using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class IntakeConfigTests
{
    [Fact]
    public void Load_EmptyDocument_GivesIntakeDefaults()
    {
        var w = AgentConfigLoader.Load("", _ => null).Webhook;

        Assert.Equal("!agent", w.CommandPrefix);
        Assert.Equal(4000, w.MaxTaskLength);
        Assert.Equal(["OWNER", "MEMBER", "COLLABORATOR"], w.Github.AllowedAssociations);
        Assert.False(w.Github.AllowBots);
        Assert.Equal("analyze", w.Github.Events["pull_request.opened"]);
        Assert.Equal("analyze", w.Github.Events["pull_request.synchronize"]);
        Assert.Null(w.Requesters.Github);
        Assert.Null(w.Requesters.Slack);
    }

    [Fact]
    public void Load_IntakeKeys_ReadFromSnakeCase()
    {
        const string yaml = """
            webhook:
              command_prefix: "@codeur"
              max_task_length: 1000
              github:
                allowed_associations: [OWNER]
                allow_bots: true
                events: {issues.opened: analyze, push: status}
              requesters:
                github: [monalisa]
                slack: [U123]
                discord: ["80351110224678912"]
                api: ["token:ci"]
            """;

        var w = AgentConfigLoader.Load(yaml, _ => null).Webhook;

        Assert.Equal("@codeur", w.CommandPrefix);
        Assert.Equal(1000, w.MaxTaskLength);
        Assert.Equal(["OWNER"], w.Github.AllowedAssociations);
        Assert.True(w.Github.AllowBots);
        Assert.Equal(2, w.Github.Events.Count);
        Assert.Equal("status", w.Github.Events["push"]);
        Assert.Equal(["monalisa"], w.Requesters.Github);
        Assert.Equal(["80351110224678912"], w.Requesters.Discord);
        Assert.Equal(["token:ci"], w.Requesters.Api);
    }

    [Fact]
    public void Load_EmptyEventsMap_ReplacesDefaults()
    {
        Assert.Empty(AgentConfigLoader.Load("webhook:\n  github:\n    events: {}\n", _ => null).Webhook.Github.Events);
    }

    [Theory]
    [InlineData("webhook:\n  command_prefix: \"\"\n", "webhook.command_prefix (line 2)")]
    [InlineData("webhook:\n  command_prefix: \"! agent\"\n", "webhook.command_prefix (line 2)")]
    [InlineData("webhook:\n  max_task_length: 0\n", "webhook.max_task_length (line 2)")]
    [InlineData("webhook:\n  github:\n    allowed_associations: [OWNER, OWENR]\n", "webhook.github.allowed_associations[1]")]
    [InlineData("webhook:\n  github:\n    events: {pull_request.opened: deploy}\n", "webhook.github.events.pull_request.opened (line 3)")]
    [InlineData("webhook:\n  github:\n    events: {pull_request.opened: cancel}\n", "webhook.github.events.pull_request.opened")]
    [InlineData("webhook:\n  github:\n    events: {\"Pull Request\": run}\n", "webhook.github.events (line 3)")]
    [InlineData("webhook:\n  requesters:\n    slack: [U1, \"\"]\n", "webhook.requesters.slack[1]")]
    [InlineData("webhook:\n  forbidden_paths: [/etc, relative/dir]\n", "webhook.forbidden_paths[1]")]
    [InlineData("webhook:\n  requesters:\n    teams: [x]\n", "unknown key 'teams'")]
    public void Load_InvalidIntakeValue_FailsNamingKey(string yaml, string expected)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TildeForbiddenPath_Accepted()
    {
        Assert.Equal(["~/.ssh", "~"], AgentConfigLoader.Load("webhook:\n  forbidden_paths: [\"~/.ssh\", \"~\"]\n", _ => null).Webhook.ForbiddenPaths);
    }
}
