using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.IntegrationTests.Sandbox;
using Codeur.Runner.Tests.Replies;

namespace Codeur.IntegrationTests.Reviews;

/// <summary>
/// <c>analyze</c> with an agent configured is a review: a signed <c>pull_request.opened</c> event (the seed's CI example,
/// mapped to <c>analyze</c> by default) runs the agent on the project mounted read-only, and the agent's answer is the
/// reply GitHub (a recording stand-in at <c>replies.github_api_url</c>) receives on the pull request. The agent here is
/// <see cref="CodeurSystem"/>'s run template, which writes its task text into the project and prints <c>done</c>;
/// <c>ClaudeCodeReviewTests</c> does the same with the real Claude Code CLI.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ReviewTests(DockerFixture docker)
{
    private const string GitHubToken = "e2e-github-token-for-reviews";

    private static string PullRequestOpened() => JsonSerializer.Serialize(new
    {
        action = "opened",
        number = 7,
        pull_request = new
        {
            id = 7007, number = 7, title = "Add API auth", author_association = "OWNER",
            head = new { @ref = "feature/auth", sha = Guid.NewGuid().ToString("N") }, user = new { login = "octo", type = "User" },
        },
        repository = new { full_name = "acme/backend" },
        sender = new { login = "octo", type = "User" },
    });

    [Fact]
    public async Task PullRequestOpened_WithAnAgent_ItsAnswerIsPostedOnThePullRequestAndItsWriteFails()
    {
        docker.RequireDocker();
        await using var github = await FakePlatformServer.StartAsync();
        await using var system = await CodeurSystem.StartAsync($"""
              github_token: "{GitHubToken}"
              replies:
                github_api_url: "{github.BaseUrl}"
            """, sandboxYaml: "    review_prompt: \"Review the change for bugs\"");

        var queued = await system.SendJsonAsync(CodeurSystem.GitHub("pull_request", PullRequestOpened(), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
        var id = queued.GetProperty("task_id").GetString()!;
        var task = await system.WaitFinishedAsync(id);

        // The run template ran (its standard output is the answer) but could not write into the read-only checkout.
        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Equal("analyze", task.GetProperty("command").GetString());
        Assert.Equal("done\n", task.GetProperty("output").GetString());
        Assert.Empty(system.TaskFiles("backend"));

        var comments = await github.WaitForAsync(r => r.Path == "/repos/acme/backend/issues/7/comments", count: 2);
        Assert.All(comments, c => Assert.Equal("Bearer " + GitHubToken, c.Header("Authorization")));
        var ending = comments[1].Json.GetProperty("body").GetString()!;
        Assert.StartsWith($"Task `{id}` succeeded.\nCommand: `analyze` in project *backend*", ending, StringComparison.Ordinal);
        Assert.Contains("```\ndone\n```", ending, StringComparison.Ordinal);
        Assert.DoesNotContain("Read-only", ending, StringComparison.Ordinal);

        // The same template under run, whose checkout is writable, does write: the refusal above is the mount's.
        var run = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"run","args":["Review the change for bugs"],"project":"backend"}"""), HttpStatusCode.Accepted);
        Assert.Equal("succeeded", (await system.WaitFinishedAsync(run.GetProperty("task_id").GetString()!)).GetProperty("state").GetString());
        Assert.Equal(["Review the change for bugs"], system.TaskFiles("backend"));
    }

    [Fact]
    public async Task PullRequestOpened_ReviewsOff_TheBuiltInReportStays()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();

        var queued = await system.SendJsonAsync(CodeurSystem.GitHub("pull_request", PullRequestOpened(), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
        var task = await system.WaitFinishedAsync(queued.GetProperty("task_id").GetString()!);

        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Contains("Python", task.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("done", task.GetProperty("output").GetString(), StringComparison.Ordinal);
    }
}
