using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class AgentSandboxConfigTests
{
    [Fact]
    public void Load_AgentEgressKeys_MappedFromSnakeCase()
    {
        const string yaml = """
            webhook:
              sandbox:
                agent: claude-code
                network: egress
                egress_allow: [api.anthropic.com, .githubusercontent.com]
                egress_network: my-egress
                egress_proxy_image: "my/proxy:2"
                env: [EXTRA_TOKEN]
                worktree: false
            """;

        var sandbox = AgentConfigLoader.Load(yaml, _ => null).Webhook.Sandbox;

        Assert.Equal("claude-code", sandbox.Agent);
        Assert.Equal("egress", sandbox.Network);
        Assert.Equal(["api.anthropic.com", ".githubusercontent.com"], sandbox.EgressAllow);
        Assert.Equal("my-egress", sandbox.EgressNetwork);
        Assert.Equal("my/proxy:2", sandbox.EgressProxyImage);
        Assert.Equal(["EXTRA_TOKEN"], sandbox.Env);
        Assert.False(sandbox.Worktree);
    }

    [Fact]
    public void Load_Defaults_NoNetworkNoAgentWorktreeOn()
    {
        var sandbox = AgentConfigLoader.Load("webhook: {}\n", _ => null).Webhook.Sandbox;

        Assert.Equal("none", sandbox.Network);
        Assert.Null(sandbox.Agent);
        Assert.Empty(sandbox.EgressAllow);
        Assert.True(sandbox.Worktree);
    }

    [Theory]
    [InlineData("network: egress", "webhook.sandbox.egress_allow")]
    [InlineData("network: host", "webhook.sandbox.network")]
    [InlineData("egress_allow: [169.254.169.254]", "webhook.sandbox.egress_allow[0]")]
    [InlineData("egress_allow: [\"10.0.0.1\"]", "webhook.sandbox.egress_allow[0]")]
    [InlineData("egress_allow: [\"*.example.com\"]", "webhook.sandbox.egress_allow[0]")]
    [InlineData("egress_allow: [\"example.com:443\"]", "webhook.sandbox.egress_allow[0]")]
    [InlineData("egress_allow: [localhost]", "webhook.sandbox.egress_allow[0]")]
    [InlineData("egress_network: \"bad name\"", "webhook.sandbox.egress_network")]
    [InlineData("agent: copilot", "webhook.sandbox.agent")]
    [InlineData("env: [LD_PRELOAD]", "webhook.sandbox.env[0]")]
    [InlineData("env: [\"A-B\"]", "webhook.sandbox.env[0]")]
    [InlineData("env: [PATH]", "webhook.sandbox.env[0]")]
    public void Load_InvalidAgentOrEgressValue_FailsNamingKey(string line, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  sandbox:\n    {line}\n", _ => null));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
