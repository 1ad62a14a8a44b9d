using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class TokenConfigTests
{
    [Fact]
    public void Load_ShortAndLongForms_BothReadWithTheirScopes()
    {
        var config = AgentConfigLoader.Load("""
            webhook:
              tokens:
                ci: "${CI_TOKEN}"
                slackflow: {token: "slack-relay-token", scopes: [relay:slack, trust:slack]}
                reader:
                  token: "reader-token"
                  scopes: []
            """, name => name == "CI_TOKEN" ? "ci-token-value" : null);

        var tokens = config.Webhook.Tokens;
        Assert.Equal("ci-token-value", tokens["ci"].Token);
        Assert.Null(tokens["ci"].Scopes);
        Assert.Equal(["api", "relay:github", "relay:slack", "relay:discord"], tokens["ci"].EffectiveScopes);
        Assert.Equal("slack-relay-token", tokens["slackflow"].Token);
        Assert.Equal(["relay:slack", "trust:slack"], tokens["slackflow"].EffectiveScopes);
        Assert.Empty(tokens["reader"].EffectiveScopes);
    }

    [Fact]
    public void Load_UnknownScope_FailsWithKeyAndLine()
    {
        var ex = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load("""
            webhook:
              tokens:
                ci:
                  token: "ci-token"
                  scopes: [api, admin]
            """));

        Assert.Contains("webhook.tokens.ci.scopes[1] (line 5): unknown scope", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ci: {scopes: [api]}")]
    [InlineData("ci: {token: \"\", scopes: [api]}")]
    [InlineData("ci: \"\"")]
    public void Load_TokenWithoutSecret_FailsNamingIt(string entry)
    {
        var ex = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"""
            webhook:
              tokens:
                {entry}
            """));

        Assert.Contains("webhook.tokens.ci", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownKeyInLongForm_FailsNamingIt()
    {
        var ex = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load("""
            webhook:
              tokens:
                ci: {token: "x-token", scope: [api]}
            """));

        Assert.Contains("unknown key 'scope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SourceRateLimitBelowOne_FailsNamingIt()
    {
        var ex = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load("""
            webhook:
              source_rate_limit: 0
            """));

        Assert.Contains("webhook.source_rate_limit (line 2)", ex.Message, StringComparison.Ordinal);
    }
}
