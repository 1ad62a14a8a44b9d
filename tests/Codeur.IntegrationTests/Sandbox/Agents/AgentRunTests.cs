using Codeur.Runner.Queue;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>
/// <c>run</c> with a fake agent CLI in a test image, through the production task executor and the real engine:
/// the agent works on its own branch in a worktree, the user's checkout is untouched, the branch, commits and
/// diffstat come back, and the agent's credential never reaches the output.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class AgentRunTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>
{
    [Fact]
    public async Task Run_GitProject_WorksOnItsOwnBranchAndLeavesTheUsersTreeAlone()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        var head = await AgentTestKit.InitRepositoryAsync(project);
        var statusBefore = await AgentTestKit.GitAsync(project.Path, "status", "--porcelain");

        var (outcome, live, id) = await AgentTestKit.RunAsync(docker, AgentTestKit.Options(docker), project.Path, "run", "add a greeting");

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        var git = Assert.IsType<TaskGitResult>(outcome.Git);
        Assert.Equal("codeur/" + id, git.Branch);
        Assert.Equal(head, git.BaseCommit);
        Assert.Equal(["fake-agent: add a greeting", $"codeur: leftover changes of task {id}"], git.Commits.Select(c => c.Subject));
        Assert.Equal(git.HeadCommit, git.Commits[^1].Sha);
        Assert.Equal((3, 3, 0), (git.FilesChanged, git.Insertions, git.Deletions));
        Assert.Contains("README.md", git.Diffstat, StringComparison.Ordinal);
        Assert.Contains("leftover.txt", git.Diffstat, StringComparison.Ordinal);

        // The agent ran in the worktree, printed progress, and was offline (network: none).
        Assert.Contains($"fake-agent: cwd /workspace/.git/codeur/worktrees/{id}", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("fake-agent: committed README.md", live, StringComparison.Ordinal);
        Assert.Contains($"codeur: branch codeur/{id}: 2 commit(s), 3 file(s) changed, +3 -0", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("net: direct-address connect failed", outcome.Output, StringComparison.Ordinal);

        // The credential reached the agent (it printed it) but neither the stored nor the live output.
        Assert.Contains("fake-agent: using key [redacted]", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AgentTestKit.Secret, outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AgentTestKit.Secret, live, StringComparison.Ordinal);

        // The user's checkout: same branch, same HEAD, same files, same uncommitted work; no worktree left.
        Assert.Equal("main", (await AgentTestKit.GitAsync(project.Path, "symbolic-ref", "--short", "HEAD")).Trim());
        Assert.Equal(head, (await AgentTestKit.GitAsync(project.Path, "rev-parse", "HEAD")).Trim());
        Assert.Equal("# demo\n", await File.ReadAllTextAsync(project.Combine("README.md"), TestContext.Current.CancellationToken));
        Assert.False(File.Exists(project.Combine("TASK.txt")));
        Assert.False(File.Exists(project.Combine("leftover.txt")));
        Assert.Equal(statusBefore, await AgentTestKit.GitAsync(project.Path, "status", "--porcelain"));
        Assert.Single((await AgentTestKit.GitAsync(project.Path, "worktree", "list", "--porcelain")).Split('\n', StringSplitOptions.RemoveEmptyEntries),
            l => l.StartsWith("worktree ", StringComparison.Ordinal));

        // The branch is really there, with the agent's files.
        Assert.Equal(git.HeadCommit, (await AgentTestKit.GitAsync(project.Path, "rev-parse", git.Branch)).Trim());
        Assert.Equal("add a greeting\n", await AgentTestKit.GitAsync(project.Path, "show", $"{git.Branch}:TASK.txt"));
    }

    [Fact]
    public async Task Run_TwoTasksAtOnceOnOneProject_EachGetsItsOwnBranch()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        var head = await AgentTestKit.InitRepositoryAsync(project);
        var options = AgentTestKit.Options(docker);

        var runs = await Task.WhenAll(
            AgentTestKit.RunAsync(docker, options, project.Path, "run", "first task"),
            AgentTestKit.RunAsync(docker, options, project.Path, "run", "second task"));

        foreach (var (outcome, _, id) in runs)
        {
            Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
            Assert.Equal("codeur/" + id, outcome.Git?.Branch);
            Assert.Equal(2, outcome.Git!.Commits.Count);
        }

        Assert.Equal("first task\n", await AgentTestKit.GitAsync(project.Path, "show", $"codeur/{runs[0].Id}:TASK.txt"));
        Assert.Equal("second task\n", await AgentTestKit.GitAsync(project.Path, "show", $"codeur/{runs[1].Id}:TASK.txt"));
        Assert.Equal(head, (await AgentTestKit.GitAsync(project.Path, "rev-parse", "HEAD")).Trim());
        Assert.False(File.Exists(project.Combine("TASK.txt")));
    }

    [Fact]
    public async Task Run_AgentKilledAtTheDeadline_ItsWorkIsStillCommittedAndReported()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        var options = AgentTestKit.Options(docker);
        options = new Codeur.Runner.Sandbox.SandboxOptions
        {
            Image = options.Image, PidsLimit = options.PidsLimit, MemoryBytes = options.MemoryBytes, TmpSizeBytes = options.TmpSizeBytes,
            NanoCpus = options.NanoCpus, DockerCallTimeout = options.DockerCallTimeout, InstanceId = options.InstanceId,
            Timeout = TimeSpan.FromSeconds(6),
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = ["bash", "-c", "echo half-done > partial.txt; echo started; sleep 600"] },
        };

        var (outcome, _, id) = await AgentTestKit.RunAsync(docker, options, project.Path, "run", "slow");

        Assert.Equal(TaskState.TimedOut, outcome.State);
        var git = Assert.IsType<TaskGitResult>(outcome.Git);
        Assert.Equal([$"codeur: leftover changes of task {id}"], git.Commits.Select(c => c.Subject));
        Assert.Equal("half-done\n", await AgentTestKit.GitAsync(project.Path, "show", $"codeur/{id}:partial.txt"));
        Assert.False(File.Exists(project.Combine("partial.txt")));
    }

    [Fact]
    public async Task Run_AgentChangesNothing_BranchRemovedAndReportedEmpty()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        var head = await AgentTestKit.InitRepositoryAsync(project);
        var options = AgentTestKit.Options(docker);
        var readOnly = new Codeur.Runner.Sandbox.SandboxOptions
        {
            Image = options.Image, InstanceId = options.InstanceId, MemoryBytes = options.MemoryBytes, Timeout = options.Timeout,
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = ["bash", "-c", "ls; echo looked around"] },
        };

        var (outcome, _, id) = await AgentTestKit.RunAsync(docker, readOnly, project.Path, "run", "look");

        Assert.Equal(TaskState.Succeeded, outcome.State);
        var git = Assert.IsType<TaskGitResult>(outcome.Git);
        Assert.Empty(git.Commits);
        Assert.Equal(head, git.HeadCommit);
        Assert.Contains($"codeur: no changes; branch codeur/{id} removed", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"codeur/{id}", await AgentTestKit.GitAsync(project.Path, "branch", "--list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NotAGitRepository_AgentWorksInTheProjectWithoutGitResult()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        await File.WriteAllTextAsync(project.Combine("README.md"), "# plain\n", TestContext.Current.CancellationToken);

        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, AgentTestKit.Options(docker), project.Path, "run", "plain task");

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        Assert.Null(outcome.Git);
        Assert.Contains("codeur: not a git repository; the agent works in the project directory", outcome.Output, StringComparison.Ordinal);
        Assert.Equal("plain task\n", await File.ReadAllTextAsync(project.Combine("TASK.txt"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Run_HostileRepositoryConfig_NothingFromTheRepositoryRunsDuringWorktreeSteps()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        // Committed before the filter is declared: the worktree checks data.txt out through the smudge filter.
        await File.WriteAllTextAsync(project.Combine(".gitattributes"), "*.txt filter=evil\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(project.Combine("data.txt"), "data\n", TestContext.Current.CancellationToken);
        await AgentTestKit.GitAsync(project.Path, "add", ".gitattributes", "data.txt");
        await AgentTestKit.GitAsync(project.Path, "commit", "-q", "-m", "attributes");

        // Hooks, an fsmonitor and clean/smudge filters that would each leave a marker if git ran them in our steps.
        await File.WriteAllTextAsync(project.Combine("pwn.sh"), "#!/bin/sh\ntouch /workspace/PWNED\ncat\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(project.Combine("pwn.sh"), (UnixFileMode)0b111_101_101);
        await AgentTestKit.GitAsync(project.Path, "config", "core.hooksPath", "/workspace");
        await AgentTestKit.GitAsync(project.Path, "config", "core.fsmonitor", "/workspace/pwn.sh");
        await AgentTestKit.GitAsync(project.Path, "config", "filter.evil.clean", "/workspace/pwn.sh");
        await AgentTestKit.GitAsync(project.Path, "config", "filter.evil.smudge", "/workspace/pwn.sh");
        foreach (var hook in new[] { "post-checkout", "pre-commit", "commit-msg", "post-commit", "reference-transaction" })
        {
            File.Copy(project.Combine("pwn.sh"), project.Combine(hook));
        }

        await AgentTestKit.OpenToSandboxUserAsync(project.Path);

        var options = AgentTestKit.Options(docker);
        var quiet = new Codeur.Runner.Sandbox.SandboxOptions
        {
            Image = options.Image, InstanceId = options.InstanceId, MemoryBytes = options.MemoryBytes, Timeout = options.Timeout,
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = ["bash", "-c", "echo data > notes.txt"] },
        };

        var (outcome, _, id) = await AgentTestKit.RunAsync(docker, quiet, project.Path, "run", "x");

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        Assert.Single(outcome.Git!.Commits);
        Assert.False(File.Exists(project.Combine("PWNED")), "repository-controlled code ran in a worktree step");
        Assert.Equal("data\n", await AgentTestKit.GitAsync(project.Path, "show", $"codeur/{id}:notes.txt"));
    }
}
