using System.Text.Json;
using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Tests.Tasks;

public sealed class TaskViewGitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void From_RunWithGitResult_SerializedAsSnakeCaseGitObject()
    {
        var git = new TaskGitResult("codeur/t1", new string('a', 40), new string('c', 40),
            [new TaskGitCommit(new string('c', 40), "Add auth")], 1, 2, 3, " a.cs | 5 +++--");

        var json = JsonSerializer.SerializeToElement(TaskView.From(Record() with { Git = git }, Now), RunnerJson.Options);

        var element = json.GetProperty("git");
        Assert.Equal("codeur/t1", element.GetProperty("branch").GetString());
        Assert.Equal(new string('a', 40), element.GetProperty("base_commit").GetString());
        Assert.Equal(new string('c', 40), element.GetProperty("head_commit").GetString());
        Assert.Equal("Add auth", element.GetProperty("commits")[0].GetProperty("subject").GetString());
        Assert.Equal(1, element.GetProperty("files_changed").GetInt32());
        Assert.Equal(2, element.GetProperty("insertions").GetInt32());
        Assert.Equal(3, element.GetProperty("deletions").GetInt32());
        Assert.Equal(" a.cs | 5 +++--", element.GetProperty("diffstat").GetString());
        Assert.True(element.GetProperty("has_changes").GetBoolean());
    }

    [Fact]
    public void From_NoGitResult_NoGitProperty()
    {
        var json = JsonSerializer.SerializeToElement(TaskView.From(Record(), Now), RunnerJson.Options);

        Assert.False(json.TryGetProperty("git", out _));
    }

    private static TaskRecord Record() => new()
    {
        Id = "t1",
        Sequence = 1,
        Platform = "api",
        Command = "run",
        Project = "p",
        ProjectPath = "/srv/p",
        Requester = "alice",
        State = TaskState.Succeeded,
        CreatedAt = Now,
    };
}
