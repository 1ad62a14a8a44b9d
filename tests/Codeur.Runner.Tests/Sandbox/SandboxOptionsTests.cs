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

    [Fact]
    public void Defaults_MatchAnEmptyConfigFile()
    {
        // Two places hold defaults (the YAML model and the resolved options); they must never drift apart.
        var fromConfig = SandboxOptions.FromConfig(AgentConfigLoader.Load("", _ => null), "same");
        var defaults = new SandboxOptions { InstanceId = "same" };

        Assert.Equal(
            (fromConfig.Image, fromConfig.User, fromConfig.MemoryBytes, fromConfig.NanoCpus, fromConfig.PidsLimit, fromConfig.NetworkMode, fromConfig.TmpSizeBytes, fromConfig.OutputLimitBytes, fromConfig.MaxFileSizeBytes, fromConfig.Nofile, fromConfig.LogMaxSize, fromConfig.Runtime, fromConfig.Timeout, fromConfig.SweepInterval),
            (defaults.Image, defaults.User, defaults.MemoryBytes, defaults.NanoCpus, defaults.PidsLimit, defaults.NetworkMode, defaults.TmpSizeBytes, defaults.OutputLimitBytes, defaults.MaxFileSizeBytes, defaults.Nofile, defaults.LogMaxSize, defaults.Runtime, defaults.Timeout, defaults.SweepInterval));
    }

    [Theory]
    [InlineData("{agent: claude-code, review_prompt: Review this}", "Review this")]
    [InlineData("{commands: {run: [agent, '{task}']}, review_prompt: Review this}", "Review this")]
    [InlineData("{review_prompt: Review this}", null)]
    [InlineData("{agent: claude-code, review_prompt: Review this, review: false}", null)]
    [InlineData("{agent: claude-code, review_prompt: Review this, commands: {analyze: [my-report]}}", null)]
    public void ReviewPromptFor_ReviewsOnlyWithAnAgentAndNoOwnAnalyze(string sandbox, string? expected)
    {
        var config = AgentConfigLoader.Load("webhook:\n  sandbox: " + sandbox + "\n", _ => null);

        Assert.Equal(expected, SandboxOptions.FromConfig(config, "x").ReviewPromptFor("p"));
    }

    [Fact]
    public void ReviewPromptFor_ProjectPromptWinsOverTheSandboxOne()
    {
        var config = AgentConfigLoader.Load("""
            webhook:
              project_mapping:
                - {pattern: "api", path: "/srv/api", name: api, review_prompt: "Check the API contract"}
                - {pattern: "web", path: "/srv/web", name: web}
              sandbox: {agent: codex}
            """, _ => null);

        var options = SandboxOptions.FromConfig(config, "x");

        Assert.Equal("Check the API contract", options.ReviewPromptFor("api"));
        Assert.Equal(SandboxSection.DefaultReviewPrompt, options.ReviewPromptFor("web"));
    }
}
