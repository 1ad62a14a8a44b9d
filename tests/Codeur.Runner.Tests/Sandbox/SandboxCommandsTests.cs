using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class SandboxCommandsTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> AgentTemplate = new()
    {
        ["run"] = ["agent", "--message", "{task}", "--label=task:{task}"],
    };

    [Fact]
    public void TryBuild_RunWithShellMetacharacters_TaskStaysOneArgument()
    {
        const string hostile = "fix it'; rm -rf / ; echo $(id) `whoami` && \"quoted\" | cat > /etc/passwd";

        var ok = new SandboxCommands(AgentTemplate).TryBuild("run", [hostile], out var argv, out _);

        Assert.True(ok);
        Assert.Equal(["agent", "--message", hostile, "--label=task:" + hostile], argv);
    }

    [Fact]
    public void TryBuild_RunSeveralWords_JoinedIntoOneArgument()
    {
        new SandboxCommands(AgentTemplate).TryBuild("run", ["Add", "auth", "to", "API"], out var argv, out _);

        Assert.Equal("Add auth to API", argv[2]);
        Assert.Equal(4, argv.Count);
    }

    [Fact]
    public void TryBuild_RunWithoutTemplate_FailsNoAgentConfigured()
    {
        var ok = new SandboxCommands(new Dictionary<string, IReadOnlyList<string>>()).TryBuild("run", ["anything"], out var argv, out var error);

        Assert.False(ok);
        Assert.Empty(argv);
        Assert.StartsWith("no agent configured", error, StringComparison.Ordinal);
        Assert.Contains("webhook.sandbox.commands.run", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("analyze", new string[0], new[] { "codeur-tool", "analyze" })]
    [InlineData("status", new string[0], new[] { "codeur-tool", "status" })]
    [InlineData("search", new[] { "TODO: $HOME;" }, new[] { "codeur-tool", "search", "TODO: $HOME;" })]
    public void TryBuild_BuiltIn_MapsToCodeurTool(string command, string[] args, string[] expected)
    {
        var ok = new SandboxCommands(new Dictionary<string, IReadOnlyList<string>>()).TryBuild(command, args, out var argv, out _);

        Assert.True(ok);
        Assert.Equal(expected, argv);
    }

    [Fact]
    public void TryBuild_SearchWithoutQuery_Fails()
    {
        var ok = new SandboxCommands(new Dictionary<string, IReadOnlyList<string>>()).TryBuild("search", [], out _, out var error);

        Assert.False(ok);
        Assert.Equal("search needs a query", error);
    }

    [Fact]
    public void TryBuild_Cancel_DoesNotRunInSandbox()
    {
        var ok = new SandboxCommands(new Dictionary<string, IReadOnlyList<string>>()).TryBuild("cancel", ["id"], out _, out var error);

        Assert.False(ok);
        Assert.Contains("does not run in a sandbox", error, StringComparison.Ordinal);
    }
}
