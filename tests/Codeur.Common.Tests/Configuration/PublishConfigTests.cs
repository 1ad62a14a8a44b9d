using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class PublishConfigTests
{
    [Fact]
    public void Load_PublishPullRequest_ReadsEveryKey()
    {
        const string yaml = """
            webhook:
              github_token: "${GITHUB_TOKEN}"
              project_mapping:
                - pattern: backend
                  path: /srv/backend
                  publish:
                    mode: pull_request
                    remote: https://github.com/acme/backend.git
                    base: develop
                    api_url: https://ghe.example/api/v3
                    draft: false
                    network: forge-net
            """;

        var config = AgentConfigLoader.Load(yaml, name => name == "GITHUB_TOKEN" ? "ghp_example" : null);

        var publish = config.Webhook.ProjectMapping[0].Publish;
        Assert.Equal(PublishSection.PullRequest, publish.Mode);
        Assert.Equal("https://github.com/acme/backend.git", publish.Remote);
        Assert.Equal("develop", publish.Base);
        Assert.Equal("https://ghe.example/api/v3", publish.ApiUrl);
        Assert.False(publish.Draft);
        Assert.Equal("forge-net", publish.Network);
        Assert.True(PublishSectionValidator.TryParseRemote(publish.Remote, out var remote));
        Assert.Equal("acme/backend", PublishSectionValidator.RepositoryOf(publish, remote!));
    }

    [Fact]
    public void Load_NoPublishKey_DefaultsToNone()
    {
        var config = AgentConfigLoader.Load("webhook:\n  project_mapping: [{pattern: a, path: /srv/a}]\n", _ => null);

        Assert.Equal(PublishSection.None, config.Webhook.ProjectMapping[0].Publish.Mode);
    }

    [Theory]
    [InlineData("mode: merge", "project_mapping[0].publish.mode")]
    [InlineData("mode: branch", "project_mapping[0].publish.remote")]
    [InlineData("{mode: branch, remote: 'https://user:pw@github.com/a/b.git'}", "project_mapping[0].publish.remote")]
    [InlineData("{mode: branch, remote: 'ssh://git@github.com/a/b.git'}", "project_mapping[0].publish.remote")]
    [InlineData("{mode: branch, remote: 'https://github.com/a/b.git', base: '../x'}", "project_mapping[0].publish.base")]
    [InlineData("{mode: pull_request, remote: 'https://github.com/b.git'}", "project_mapping[0].publish.repository")]
    public void Load_InvalidPublish_FailsNamingTheKey(string publish, string key)
    {
        var yaml = $"webhook:\n  github_token: tok-123456\n  project_mapping:\n    - pattern: a\n      path: /srv/a\n      publish: {(publish.StartsWith('{') ? publish : "{" + publish + "}")}\n";

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw@", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PublishWithoutAnyToken_Fails()
    {
        const string yaml = "webhook:\n  project_mapping:\n    - {pattern: a, path: /srv/a, publish: {mode: branch, remote: 'https://github.com/a/b.git'}}\n";

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml, _ => null));

        Assert.Contains("project_mapping[0].publish.token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PublishForTheGateway_StartsWithoutTheRunnersTokenAndWithoutItsVariable()
    {
        // The gateway never holds github_token (nor needs its variable); that must not make a publishing project invalid there.
        const string yaml = "webhook:\n  github_token: \"${GITHUB_TOKEN}\"\n  project_mapping:\n    - {pattern: a, path: /srv/a, publish: {mode: branch, remote: 'https://github.com/a/b.git'}}\n";

        var gateway = AgentConfigLoader.Load(yaml, _ => null, audience: ConfigAudience.Gateway);
        var runner = AgentConfigLoader.Load(yaml, name => name == "GITHUB_TOKEN" ? "ghp_example" : null, audience: ConfigAudience.Runner);
        var refused = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(yaml.Replace("  github_token: \"${GITHUB_TOKEN}\"\n", "", StringComparison.Ordinal), _ => null, audience: ConfigAudience.Gateway));

        Assert.Null(gateway.Webhook.GithubToken);
        Assert.Equal(PublishSection.Branch, gateway.Webhook.ProjectMapping[0].Publish.Mode);
        Assert.Equal("ghp_example", runner.Webhook.GithubToken);
        Assert.Contains("project_mapping[0].publish.token", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("github_token: \"${GITHUB_TOKEN}\"\n", "")]
    [InlineData("", "token: \"${FORGE_TOKEN}\", ")]
    public void Load_GatewayAudience_PublishingProjectLoadsWithoutTheRunnersToken(string githubToken, string projectToken)
    {
        // The gateway never holds the forge token (its process has neither the value nor the variable), yet the file
        // that gives the runner one must load there too: the one-file setups (quickstart, compose, Helm) start both.
        var yaml = "webhook:\n  " + githubToken + "  project_mapping:\n    - {pattern: a, path: /srv/a, publish: {" + projectToken
            + "mode: pull_request, remote: 'https://github.com/a/b.git'}}\n";

        var gateway = AgentConfigLoader.Load(yaml, _ => null, audience: ConfigAudience.Gateway);
        var runner = AgentConfigLoader.Load(yaml, name => name is "GITHUB_TOKEN" or "FORGE_TOKEN" ? "ghp_forge_123456" : null, audience: ConfigAudience.Runner);

        Assert.Null(gateway.Webhook.GithubToken);
        Assert.Null(gateway.Webhook.ProjectMapping[0].Publish.Token);
        Assert.Equal("ghp_forge_123456", runner.Webhook.ProjectMapping[0].Publish.Token ?? runner.Webhook.GithubToken);
    }
}
