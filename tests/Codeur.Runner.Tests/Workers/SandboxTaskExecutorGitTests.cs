using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;

namespace Codeur.Runner.Tests.Workers;

/// <summary>The three-container choreography of a run task, against a scripted sandbox that records each request.</summary>
public sealed class SandboxTaskExecutorGitTests
{
    private static readonly string Base = new('a', 40);
    private static readonly string Head = new('c', 40);
    private const string Secret = "sk-secret-value-123";

    [Fact]
    public async Task Run_GitProject_AddThenAgentInWorktreeWithCredentialsThenFinishEvenAfterATimeout()
    {
        var sandbox = new RecordingSandbox(
            Result(SandboxEnding.Succeeded, $"codeur-git: base {Base}\ncodeur-git: branch codeur/t1\ncodeur-git: path /workspace/.git/codeur/worktrees/t1\n"),
            Result(SandboxEnding.TimedOut, $"working with {Secret}\n"),
            Result(SandboxEnding.Succeeded, $"codeur-git: branch codeur/t1\ncodeur-git: base {Base}\ncodeur-git: head {Head}\ncodeur-git: commit {Head} codeur: leftover changes of task t1\ncodeur-git: shortstat 1 2 0\ncodeur-git: done\n"));
        var output = new TaskOutput();

        var outcome = await Executor(sandbox).ExecuteAsync(Task(), output, TestContext.Current.CancellationToken);

        Assert.Equal(3, sandbox.Requests.Count);
        Assert.Equal(["codeur-tool", "worktree-add", "t1"], sandbox.Requests[0].Argv);
        Assert.False(sandbox.Requests[0].AgentRun);
        Assert.Null(sandbox.Requests[0].Environment);

        var agent = sandbox.Requests[1];
        Assert.Equal(["agent", "do it"], agent.Argv);
        Assert.True(agent.AgentRun);
        Assert.Equal("/workspace/.git/codeur/worktrees/t1", agent.WorkingDirectory);
        Assert.Equal(["KEY=" + Secret], agent.Environment);

        Assert.Equal(["codeur-tool", "worktree-finish", "t1", Base], sandbox.Requests[2].Argv);
        Assert.False(sandbox.Requests[2].AgentRun);

        Assert.Equal(TaskState.TimedOut, outcome.State);
        Assert.Equal("codeur/t1", outcome.Git?.Branch);
        Assert.Equal((1, 2, 0), (outcome.Git!.FilesChanged, outcome.Git.Insertions, outcome.Git.Deletions));
        Assert.DoesNotContain(Secret, outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output.Snapshot(), StringComparison.Ordinal);
        Assert.StartsWith("codeur: working on branch codeur/t1 in its own worktree (base aaaaaaaaaaaa)\n", outcome.Output, StringComparison.Ordinal);
        Assert.EndsWith("codeur: branch codeur/t1: 1 commit(s), 1 file(s) changed, +2 -0\n", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ImageWithoutWorktreeSupport_FailsSayingHowToFixAndNeverRunsTheAgent()
    {
        var sandbox = new RecordingSandbox(Result(SandboxEnding.Failed, "codeur-tool: unknown command: worktree-add\n", 2));

        var outcome = await Executor(sandbox).ExecuteAsync(Task(), new TaskOutput(), TestContext.Current.CancellationToken);

        Assert.Single(sandbox.Requests);
        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Contains("cannot create git worktrees", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("sandbox.worktree: false", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_QueuedAsWorktreeRunButNoLongerGit_FailsInsteadOfWorkingInPlace()
    {
        var sandbox = new RecordingSandbox(Result(SandboxEnding.Succeeded, "codeur-git: none not a git repository with commits\n"));

        var outcome = await Executor(sandbox).ExecuteAsync(Task() with { Worktree = true }, new TaskOutput(), TestContext.Current.CancellationToken);

        Assert.Single(sandbox.Requests);
        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Contains("stopped being a git repository", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WorktreeOff_OnlyTheAgentRunsInTheProject()
    {
        var sandbox = new RecordingSandbox(Result(SandboxEnding.Succeeded, "ok\n"));

        var outcome = await Executor(sandbox, worktree: false).ExecuteAsync(Task(), new TaskOutput(), TestContext.Current.CancellationToken);

        Assert.Equal(TaskState.Succeeded, outcome.State);
        Assert.Null(outcome.Git);
        var only = Assert.Single(sandbox.Requests);
        Assert.Null(only.WorkingDirectory);
        Assert.True(only.AgentRun);
    }

    [Fact]
    public async Task Analyze_NeverGetsCredentialsOrTheAgentNetwork()
    {
        var sandbox = new RecordingSandbox(Result(SandboxEnding.Succeeded, "Files: 1\n"));

        await Executor(sandbox).ExecuteAsync(Task() with { Command = "analyze", Args = [] }, new TaskOutput(), TestContext.Current.CancellationToken);

        var only = Assert.Single(sandbox.Requests);
        Assert.False(only.AgentRun);
        Assert.Null(only.Environment);
    }

    private static SandboxTaskExecutor Executor(RecordingSandbox sandbox, bool worktree = true)
    {
        var options = new SandboxOptions
        {
            Worktree = worktree,
            Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = ["agent", "{task}"] },
        };
        var credentials = AgentCredentials.FromConfig(new SandboxSection { Env = ["KEY"] }, name => name == "KEY" ? Secret : null);
        return new SandboxTaskExecutor(sandbox, new SandboxCommands(options), options, credentials, new NoPublishing());
    }

    private static TaskRecord Task() => new()
    {
        Id = "t1",
        Sequence = 1,
        Platform = "api",
        Command = "run",
        Args = ["do it"],
        Project = "p",
        ProjectPath = "/srv/p",
        Requester = "alice",
        State = TaskState.Running,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static SandboxResult Result(SandboxEnding ending, string output, long? exitCode = 0) =>
        new(ending, exitCode, output, output.Length, false, TimeSpan.FromSeconds(1), ending == SandboxEnding.Failed ? $"exited with code {exitCode}" : null);

    private sealed class RecordingSandbox(params SandboxResult[] results) : ISandboxExecutor
    {
        public List<SandboxRequest> Requests { get; } = [];

        public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var result = results[Requests.Count - 1];
            if (request.OnOutput is { } onOutput)
            {
                // Delivered in two pieces that split any secret, as a real stream may.
                var bytes = System.Text.Encoding.UTF8.GetBytes(result.Output);
                await onOutput(OutputStreamKind.Stdout, bytes.AsMemory(0, bytes.Length / 2), cancellationToken);
                await onOutput(OutputStreamKind.Stdout, bytes.AsMemory(bytes.Length / 2), cancellationToken);
            }

            return result;
        }
    }
}
