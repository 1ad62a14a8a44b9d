using Codeur.Configuration;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;

namespace Codeur.Runner.Tests.Sandbox.Agents;

public sealed class AgentPresetsTests
{
    private const string Hostile = "Fix it'; rm -rf / $(curl evil) `id` && echo \"done\"";

    public static TheoryData<string> Names => [.. AgentConfigValidator.KnownAgents];

    [Fact]
    public void All_SameNamesAsTheConfigValidator()
    {
        Assert.Equal(AgentConfigValidator.KnownAgents.Order(StringComparer.Ordinal), AgentPresets.All.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Run_HostileTask_IsExactlyOneArgumentAndTheRestIsUnchanged(string name)
    {
        var preset = AgentPresets.All[name];
        var options = SandboxOptions.FromConfig(Load($"agent: {name}"));

        Assert.True(new SandboxCommands(options).TryBuild("run", [Hostile], out var argv, out var error), error);

        Assert.Equal(preset.Run.Count, argv.Count);
        Assert.Single(argv, a => a == Hostile);
        for (var i = 0; i < argv.Count; i++)
        {
            Assert.Equal(preset.Run[i] == SandboxCommands.TaskPlaceholder ? Hostile : preset.Run[i], argv[i]);
        }

        Assert.NotEmpty(preset.Credentials);
        Assert.NotEmpty(preset.EgressHosts);
        Assert.True(Directory.Exists(Path.Combine(RepositoryRoot(), preset.Recipe)), $"{preset.Recipe} has no image recipe");
        Assert.True(File.Exists(Path.Combine(RepositoryRoot(), preset.Recipe, "Dockerfile")));
    }

    [Theory]
    [InlineData("claude-code", new[] { "claude", "-p", Hostile, "--permission-mode", "bypassPermissions", "--output-format", "text" })]
    [InlineData("codex", new[] { "codex", "exec", "--sandbox", "danger-full-access", "--skip-git-repo-check", Hostile })]
    [InlineData("aider", new[] { "aider", "--message", Hostile, "--yes-always", "--no-check-update", "--no-pretty", "--no-stream", "--no-show-model-warnings" })]
    [InlineData("gemini", new[] { "gemini", "-p", Hostile, "--yolo" })]
    [InlineData("openhands", new[] { "openhands", "--headless", "--override-with-envs", "-t", Hostile })]
    public void Run_Preset_IsTheDocumentedHeadlessInvocation(string name, string[] expected)
    {
        var options = SandboxOptions.FromConfig(Load($"agent: {name}"));

        Assert.True(new SandboxCommands(options).TryBuild("run", [Hostile], out var argv, out _));

        Assert.Equal(expected, argv);
    }

    [Fact]
    public void FromConfig_CommandsRunSet_WinsOverThePreset()
    {
        var options = SandboxOptions.FromConfig(Load("agent: aider\n    commands: {run: [my-agent, \"{task}\"]}"));

        Assert.Equal(["my-agent", "{task}"], options.Commands["run"]);
        Assert.Equal("aider", options.Agent);
    }

    [Fact]
    public void FromConfig_NoAgent_RunStaysUnconfigured()
    {
        var options = SandboxOptions.FromConfig(Load("image: x/y:1"));

        Assert.False(new SandboxCommands(options).TryBuild("run", ["x"], out _, out var error));
        Assert.Contains("no agent configured", error, StringComparison.Ordinal);
    }

    private static AgentConfig Load(string sandboxLines) => AgentConfigLoader.Load($"webhook:\n  sandbox:\n    {sandboxLines}\n", _ => null);

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
