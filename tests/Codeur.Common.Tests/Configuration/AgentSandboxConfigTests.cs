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
    [InlineData("egress_private_gateways: [{host: \"10.1.2.3\", cidrs: [10.1.2.0/24]}]", "webhook.sandbox.egress_private_gateways[0].host")]
    [InlineData("egress_private_gateways: [{host: .internal, cidrs: [10.1.2.0/24]}]", "webhook.sandbox.egress_private_gateways[0].host")]
    [InlineData("egress_private_gateways: [{host: llm.internal}]", "webhook.sandbox.egress_private_gateways[0].cidrs")]
    [InlineData("egress_private_gateways: [{host: llm.internal, cidrs: [10.1.2.5]}]", "webhook.sandbox.egress_private_gateways[0].cidrs[0]")]
    [InlineData("egress_private_gateways: [{host: llm.internal, cidrs: [0.0.0.0/0]}]", "webhook.sandbox.egress_private_gateways[0].cidrs[0]")]
    [InlineData("egress_private_gateways: [{host: llm.internal, cidrs: [\"::/0\"]}]", "webhook.sandbox.egress_private_gateways[0].cidrs[0]")]
    [InlineData("egress_private_gateways: [{host: llm.internal, cidrs: [\"::ffff:10.0.0.0/104\"]}]", "webhook.sandbox.egress_private_gateways[0].cidrs[0]")]
    [InlineData("egress_private_gateways: [{host: llm.internal, cidrs: [10.1.2.0/24], ports: [0]}]", "webhook.sandbox.egress_private_gateways[0].ports")]
    [InlineData("agent: copilot", "webhook.sandbox.agent")]
    [InlineData("env: [LD_PRELOAD]", "webhook.sandbox.env[0]")]
    [InlineData("env: [\"A-B\"]", "webhook.sandbox.env[0]")]
    [InlineData("env: [PATH]", "webhook.sandbox.env[0]")]
    public void Load_InvalidAgentOrEgressValue_FailsNamingKey(string line, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  sandbox:\n    {line}\n", _ => null));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PrivateGateway_HostRangesAndPortsKeptAndEgressNeedsNoOtherHost()
    {
        const string yaml = """
            webhook:
              sandbox:
                network: egress
                egress_private_gateways:
                  - {host: LLM.internal, cidrs: [10.1.2.0/24, "fd00:1::/64"], ports: [4000]}
                  - {host: vllm.internal, cidrs: [192.168.7.0/24]}
            """;

        var sandbox = AgentConfigLoader.Load(yaml, _ => null).Webhook.Sandbox;

        Assert.Empty(sandbox.EgressAllow);
        Assert.Equal(2, sandbox.EgressPrivateGateways.Count);
        Assert.Equal(["10.1.2.0/24", "fd00:1::/64"], sandbox.EgressPrivateGateways[0].Cidrs);
        Assert.Equal([4000], sandbox.EgressPrivateGateways[0].Ports);
        Assert.Equal([80, 443], sandbox.EgressPrivateGateways[1].Ports);
    }
}
