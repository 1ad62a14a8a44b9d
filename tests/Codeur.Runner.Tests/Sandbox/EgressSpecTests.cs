using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class EgressSpecTests
{
    private static readonly DateTimeOffset Deadline = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    private static readonly SandboxOptions Egress = new() { NetworkMode = "egress", EgressNetwork = "codeur-egress", EgressAllow = ["deb.debian.org"] };

    [Fact]
    public void Build_EgressAgentRun_JoinsTheInternalNetworkWithProxyVariables()
    {
        var spec = new ContainerSpecBuilder(Egress).Build("t1", "/srv/p", ["agent"], Deadline, null, ["API_KEY=s3cret-value"], agentRun: true);

        Assert.Equal("codeur-egress", spec.HostConfig!.NetworkMode);
        Assert.False(spec.NetworkDisabled);
        Assert.Contains("HTTPS_PROXY=http://codeur-egress-proxy:3128", spec.Env);
        Assert.Contains("https_proxy=http://codeur-egress-proxy:3128", spec.Env);
        Assert.Contains("HTTP_PROXY=http://codeur-egress-proxy:3128", spec.Env);
        Assert.Contains("API_KEY=s3cret-value", spec.Env);
    }

    [Fact]
    public void Build_EgressButNotTheAgent_StaysWithoutNetworkOrCredentials()
    {
        var spec = new ContainerSpecBuilder(Egress).Build("t1", "/srv/p", ["codeur-tool", "worktree-add", "t1"], Deadline);

        Assert.Equal("none", spec.HostConfig!.NetworkMode);
        Assert.True(spec.NetworkDisabled);
        Assert.DoesNotContain(spec.Env, e => e.Contains("PROXY", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["HOME=/tmp", "CODEUR_TASK_ID=t1"], spec.Env);
    }

    [Fact]
    public void FromConfig_PrivateGateways_PassedToTheProxyInCanonicalForm()
    {
        var config = Codeur.Configuration.AgentConfigLoader.Load("""
            webhook:
              sandbox:
                network: egress
                egress_private_gateways:
                  - {host: LLM.Internal, cidrs: [10.1.2.0/24, "FD00:1:0::/64"], ports: [4000, 4001]}
                  - {host: vllm.internal, cidrs: [192.168.7.0/24]}
            """, _ => null);

        var options = SandboxOptions.FromConfig(config);

        Assert.Equal(["llm.internal|10.1.2.0/24,fd00:1::/64|4000,4001", "vllm.internal|192.168.7.0/24|80,443"], options.EgressGateways);
    }

    [Fact]
    public void Build_NoneNetworkAgentRun_StaysWithoutNetwork()
    {
        var spec = new ContainerSpecBuilder(new SandboxOptions()).Build("t1", "/srv/p", ["agent"], Deadline, null, null, agentRun: true);

        Assert.Equal("none", spec.HostConfig!.NetworkMode);
        Assert.True(spec.NetworkDisabled);
    }

    [Theory]
    [InlineData("/workspace/.git/codeur/worktrees/t1", true)]
    [InlineData("/workspace", true)]
    [InlineData("/workspace2", false)]
    [InlineData("/etc", false)]
    [InlineData("/workspace/../etc", false)]
    public void Build_WorkingDirectory_OnlyUnderTheWorkspace(string directory, bool allowed)
    {
        var builder = new ContainerSpecBuilder(new SandboxOptions());

        if (allowed)
        {
            Assert.Equal(directory, builder.Build("t1", "/srv/p", ["agent"], Deadline, directory, null, agentRun: true).WorkingDir);
        }
        else
        {
            Assert.Throws<ArgumentException>(() => builder.Build("t1", "/srv/p", ["agent"], Deadline, directory, null, agentRun: true));
        }
    }
}
