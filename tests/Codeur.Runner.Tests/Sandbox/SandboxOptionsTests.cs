using Codeur.Configuration;
using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class SandboxOptionsTests
{
    [Fact]
    public void FromConfig_SpecKeys_ParsedIntoEngineUnits()
    {
        var config = AgentConfigLoader.Load("""
            webhook:
              timeout: 120
              forbidden_paths: ["/var", "~/.ssh"]
              sandbox: {image: "codeur/sandbox:latest", memory: "512m", cpus: 1.5, pids: 256, network: none,
                        commands: {run: ["agent", "--message", "{task}"]}}
            """, _ => null);

        var options = SandboxOptions.FromConfig(config, "runner-x");

        Assert.Equal(512L << 20, options.MemoryBytes);
        Assert.Equal(1_500_000_000, options.NanoCpus);
        Assert.Equal(256, options.PidsLimit);
        Assert.Equal(TimeSpan.FromSeconds(120), options.Timeout);
        Assert.Equal("10001:10001", options.User);
        Assert.Equal(4L << 20, options.OutputLimitBytes);
        Assert.Equal("1048576", options.LogMaxSize);
        Assert.Equal("runner-x", options.InstanceId);
        Assert.Equal(["agent", "--message", "{task}"], options.Commands["run"]);
        Assert.Equal(["/var", "~/.ssh"], options.ForbiddenPaths);
    }
}
