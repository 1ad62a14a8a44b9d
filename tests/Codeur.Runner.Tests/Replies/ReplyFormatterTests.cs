using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;

namespace Codeur.Runner.Tests.Replies;

public sealed class ReplyFormatterTests
{
    private static readonly DateTimeOffset Started = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    private static readonly ReplyFormatter Formatter = new(new AgentConfig(), new Redactor(new AgentConfig()));

    [Fact]
    public void Ending_RunWithGitResult_BranchCommitsAndChangesUnderTheHeadline()
    {
        var task = Task(new TaskGitResult("codeur/t1", "aaaaaaa1", "bbbbbbb2",
            [new TaskGitCommit("1234567890abcdef", "Add auth middleware"), new TaskGitCommit("fedcba0987654321", "codeur: leftover changes")],
            FilesChanged: 3, Insertions: 42, Deletions: 7, Diffstat: " 3 files changed, 42 insertions(+), 7 deletions(-)"));

        var content = Formatter.Ending(task);

        Assert.Equal("Task `t1` succeeded.", content.Headline);
        Assert.Equal(
            [
                "Command: `run` in project *backend*",
                "Duration: 1m 05s",
                "Branch: `codeur/t1` (2 commits, 3 files changed, +42 -7)",
                "- `1234567` Add auth middleware",
                "- `fedcba0` codeur: leftover changes",
            ],
            content.Details);
    }

    [Fact]
    public void Ending_RunThatChangedNothing_SaysSo()
    {
        var content = Formatter.Ending(Task(new TaskGitResult("codeur/t1", "a", "a", [], 0, 0, 0, "")));

        Assert.Equal("Git: no changes (nothing committed)", content.Details[^1]);
    }

    private static TaskRecord Task(TaskGitResult git) => new()
    {
        Id = "t1",
        Sequence = 1,
        Platform = "github",
        Command = "run",
        Project = "backend",
        ProjectPath = "/srv/backend",
        Requester = "octocat",
        State = TaskState.Succeeded,
        ExitCode = 0,
        CreatedAt = Started,
        StartedAt = Started,
        FinishedAt = Started.AddSeconds(65),
        Git = git,
    };
}
