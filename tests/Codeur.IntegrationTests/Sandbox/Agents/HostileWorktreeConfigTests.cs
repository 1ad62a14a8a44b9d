using Codeur.Runner.Queue;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>
/// Repository configuration that applies only inside a worktree: <c>includeIf "onbranch:..."</c>,
/// <c>includeIf "gitdir:..."</c>, and <c>config.worktree</c> with <c>extensions.worktreeConfig</c>. Behind each, a smudge and
/// clean filter, an fsmonitor, a hooks path and a pager that would leave a marker. Each attack is first shown to work
/// with plain git in the sandbox image (so the test would catch a regression), then refused by <c>codeur-tool</c>
/// through the production task executor, with nothing from the repository run.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class HostileWorktreeConfigTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>
{
    // Records which process ran it (PID 1 is docker-init followed by the container's argv) and passes content through.
    private const string Payload = "#!/bin/sh\necho \"ran under: $(tr '\\0' ' ' < /proc/1/cmdline)\" >> /workspace/PWNED\ncat\n";

    private const string EvilConfig = """
        [filter "evil"]
        	clean = /workspace/pwn.sh
        	smudge = /workspace/pwn.sh
        	required = true
        [core]
        	fsmonitor = /workspace/pwn.sh
        	hooksPath = /workspace/hooks
        	pager = /workspace/pwn.sh
        """;

    [Theory]
    [InlineData("onbranch:codeur/**")]
    [InlineData("gitdir:**/.git/worktrees/**")]
    public async Task Run_ConditionalIncludeLiveOnlyInTheWorktree_RefusedBeforeAnythingRuns(string condition)
    {
        docker.RequireDocker();
        image.Require();
        using var control = new ProjectDirectory();
        using var target = new ProjectDirectory();
        foreach (var project in new[] { control, target })
        {
            await HostileRepositoryAsync(project);
            await File.WriteAllTextAsync(Path.Combine(project.Path, ".git", "evil.cfg"), EvilConfig + "\n", TestContext.Current.CancellationToken);
            await AgentTestKit.GitAsync(project.Path, "config", $"includeIf.{condition}.path", "evil.cfg");
            await AgentTestKit.OpenToSandboxUserAsync(project.Path);
        }

        // Plain git, as the sandbox user in the same image: creating the worktree checks data.txt out through the filter.
        var (code, output) = await PlainGitAsync(control, "git worktree add -q -b codeur/control .git/codeur/worktrees/control HEAD");
        Assert.True(File.Exists(control.Combine("PWNED")), $"the attack did not work with plain git ({code}): {output}");

        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, QuietOptions(), target.Path, "run", "x");

        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Contains("conditional includes (includeIf)", outcome.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target.Combine("PWNED")), "repository-controlled code ran: " + ReadMarker(target));
        Assert.False(File.Exists(target.Combine("notes.txt")), "the agent ran on a refused repository");
        Assert.False(Directory.Exists(Path.Combine(target.Path, ".git", "codeur", "worktrees")) && Directory.EnumerateFileSystemEntries(Path.Combine(target.Path, ".git", "codeur", "worktrees")).Any());
    }

    [Fact]
    public async Task Run_AgentEnablesPerWorktreeConfig_FinishRefusesAndRunsNothing()
    {
        docker.RequireDocker();
        image.Require();
        using var control = new ProjectDirectory();
        using var target = new ProjectDirectory();
        foreach (var project in new[] { control, target })
        {
            await HostileRepositoryAsync(project);
            await AgentTestKit.OpenToSandboxUserAsync(project.Path);
        }

        // What a hostile agent does in its worktree: per-worktree config that only git inside that worktree reads.
        const string plant = """
            git config extensions.worktreeConfig true &&
            git config --worktree filter.evil.clean /workspace/pwn.sh &&
            git config --worktree filter.evil.smudge /workspace/pwn.sh &&
            git config --worktree core.fsmonitor /workspace/pwn.sh &&
            echo more > notes.txt
            """;

        // Plain git: the worktree, the planted config, then committing there runs the clean filter.
        var (code, output) = await PlainGitAsync(control,
            "git worktree add -q -b codeur/control .git/codeur/worktrees/control HEAD && cd .git/codeur/worktrees/control && " + plant + " && git add -A");
        Assert.True(File.Exists(control.Combine("PWNED")), $"the attack did not work with plain git ({code}): {output}");

        var options = QuietOptions(plant);
        var (outcome, _, id) = await AgentTestKit.RunAsync(docker, options, target.Path, "run", "x");

        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Contains("per-worktree configuration (extensions.worktreeConfig)", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("codeur: the task's branch was not committed or reported", outcome.Output, StringComparison.Ordinal);
        Assert.Null(outcome.Git);
        Assert.False(File.Exists(target.Combine("PWNED")), "repository-controlled code ran in worktree-finish: " + ReadMarker(target));
        // The agent did run (and planted the config); nothing was committed on its branch after it.
        Assert.True(File.Exists(Path.Combine(target.Path, ".git", "codeur", "worktrees", id, "notes.txt")));
        Assert.Equal(
            (await AgentTestKit.GitAsync(target.Path, "rev-parse", "main")).Trim(),
            (await AgentTestKit.GitAsync(target.Path, "rev-parse", "codeur/" + id)).Trim());
    }

    /// <summary>A repository whose committed .gitattributes routes *.txt through the 'evil' filter, with the payload and hooks in place.</summary>
    private static async Task HostileRepositoryAsync(ProjectDirectory project)
    {
        await AgentTestKit.InitRepositoryAsync(project);
        await File.WriteAllTextAsync(project.Combine(".gitattributes"), "*.txt filter=evil\n");
        await File.WriteAllTextAsync(project.Combine("data.txt"), "data\n");
        await AgentTestKit.GitAsync(project.Path, "add", ".gitattributes", "data.txt");
        await AgentTestKit.GitAsync(project.Path, "commit", "-q", "-m", "attributes");
        await File.WriteAllTextAsync(project.Combine("pwn.sh"), Payload);
        File.SetUnixFileMode(project.Combine("pwn.sh"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(project.Combine("hooks"));
        foreach (var hook in new[] { "post-checkout", "pre-commit", "commit-msg", "post-commit", "reference-transaction" })
        {
            File.Copy(project.Combine("pwn.sh"), Path.Combine(project.Combine("hooks"), hook));
        }
    }

    /// <summary>Plain git in the sandbox image, as the sandbox user, without codeur-tool: the unprotected control.</summary>
    private static Task<(int Code, string Output)> PlainGitAsync(ProjectDirectory project, string script) =>
        FakeAgentImage.RunAsync("docker",
            ["run", "--rm", "--network", "none", "--user", "10001:10001", "-e", "HOME=/tmp", "-v", project.Path + ":/workspace", "-w", "/workspace",
             "--entrypoint", "bash", FakeAgentImage.Tag, "-c", script],
            TimeSpan.FromSeconds(60));

    private Codeur.Runner.Sandbox.SandboxOptions QuietOptions(string agentScript = "echo data > notes.txt")
    {
        var options = AgentTestKit.Options(docker);
        return new Codeur.Runner.Sandbox.SandboxOptions
        {
            Image = options.Image, InstanceId = options.InstanceId, MemoryBytes = options.MemoryBytes, Timeout = options.Timeout,
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = ["bash", "-c", agentScript] },
        };
    }

    private static string ReadMarker(ProjectDirectory project) =>
        File.Exists(project.Combine("PWNED")) ? File.ReadAllText(project.Combine("PWNED")) : "";
}
