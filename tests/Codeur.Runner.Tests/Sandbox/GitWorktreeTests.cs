using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class GitWorktreeTests
{
    private static readonly string Base = new('a', 40);
    private static readonly string Head = new('c', 40);

    [Fact]
    public void ParseAdd_Report_ReadyWithBaseBranchAndPath()
    {
        var start = GitWorktree.ParseAdd($"codeur-git: base {Base}\ncodeur-git: branch codeur/t1\ncodeur-git: path /workspace/.git/codeur/worktrees/t1\n");

        Assert.Equal(new WorktreeStart(WorktreeStartKind.Ready, Base, "codeur/t1", "/workspace/.git/codeur/worktrees/t1", null), start);
    }

    [Theory]
    [InlineData("codeur-git: none not a git repository with commits", "NotGit")]
    [InlineData("codeur-git: error git worktree add failed", "Error")]
    [InlineData("codeur-git: base abc\ncodeur-git: branch codeur/t1\ncodeur-git: path /workspace/x", "Error")]
    [InlineData("codeur-git: base aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ncodeur-git: branch codeur/t1\ncodeur-git: path /etc", "Error")]
    [InlineData("codeur-git: base aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ncodeur-git: branch codeur/t1\ncodeur-git: path /workspace/../etc", "Error")]
    [InlineData("", "Error")]
    public void ParseAdd_OtherReports_NotGitOrError(string output, string kind)
    {
        Assert.Equal(Enum.Parse<WorktreeStartKind>(kind), GitWorktree.ParseAdd(output).Kind);
    }

    [Fact]
    public void ParseFinish_FullReport_AllFields()
    {
        var output = $"""
            codeur-git: branch codeur/t1
            codeur-git: base {Base}
            codeur-git: head {Head}
            codeur-git: commit {new string('b', 40)} agent: add new.txt
            codeur-git: commit {Head} codeur: leftover changes of task t1
            codeur-git: shortstat 3 3 1
            codeur-git: stat  a.txt | 2 +-
            codeur-git: stat  3 files changed, 3 insertions(+), 1 deletion(-)
            codeur-git: done
            """;

        var git = GitWorktree.ParseFinish(output);

        Assert.NotNull(git);
        Assert.Equal("codeur/t1", git.Branch);
        Assert.Equal(Base, git.BaseCommit);
        Assert.Equal(Head, git.HeadCommit);
        Assert.Equal([new TaskGitCommit(new string('b', 40), "agent: add new.txt"), new TaskGitCommit(Head, "codeur: leftover changes of task t1")], git.Commits);
        Assert.Equal((3, 3, 1), (git.FilesChanged, git.Insertions, git.Deletions));
        Assert.Equal(" a.txt | 2 +-\n 3 files changed, 3 insertions(+), 1 deletion(-)", git.Diffstat);
        Assert.True(git.HasChanges);
        Assert.Equal("codeur: branch codeur/t1: 2 commit(s), 3 file(s) changed, +3 -1\n", GitWorktree.Summary(git));
    }

    [Fact]
    public void ParseFinish_WithoutDone_Null()
    {
        Assert.Null(GitWorktree.ParseFinish($"codeur-git: branch codeur/t1\ncodeur-git: base {Base}\ncodeur-git: head {Head}\n"));
    }

    [Fact]
    public void ParseFinish_NoChanges_EmptyCommitsAndSaysBranchRemoved()
    {
        var git = GitWorktree.ParseFinish($"codeur-git: branch codeur/t1\ncodeur-git: base {Base}\ncodeur-git: head {Base}\ncodeur-git: shortstat 0 0 0\ncodeur-git: deleted codeur/t1\ncodeur-git: done\n");

        Assert.NotNull(git);
        Assert.False(git.HasChanges);
        Assert.Equal("codeur: no changes; branch codeur/t1 removed\n", GitWorktree.Summary(git));
    }
}
