using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;
using Codeur.Runner.Tests.Replies;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>
/// Cancel from chat through the whole system: a signed GitHub comment starts a real container, a second comment
/// cancels it, the container is gone within a second or so, and GitHub (a recording fake at
/// <c>replies.github_api_url</c>) hears "cancelled" on the issue.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ChatCancelTests(DockerFixture docker)
{
    private const string GitHubToken = "e2e-github-token-for-replies";

    private static string Comment(string body) => JsonSerializer.Serialize(new
    {
        action = "created",
        issue = new { number = 7, title = "Please help" },
        comment = new { id = 99, body, user = new { login = "octo", type = "User" }, author_association = "OWNER" },
        repository = new { full_name = "acme/backend" },
        sender = new { login = "octo", type = "User" },
    });

    [Fact]
    public async Task GitHubCancelComment_RunningContainerKilledAndIssueToldCancelled()
    {
        docker.RequireDocker();
        await using var github = await FakePlatformServer.StartAsync();
        await using var system = await CodeurSystem.StartAsync($"""
              github_token: "{GitHubToken}"
              replies:
                github_api_url: "{github.BaseUrl}"
            """);
        var started = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment("!agent run --project backend 'slow job to cancel'"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
        var id = started.GetProperty("task_id").GetString()!;
        await system.WaitStateAsync(id, "running");
        await WaitForContainerAsync(system);

        var clock = Stopwatch.StartNew();
        await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment($"!agent cancel {id}"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
        while ((await DockerCli.ContainersOfAsync(system.InstanceId)).Count > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the container outlived the cancel by 10 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var gone = clock.Elapsed;
        TestContext.Current.SendDiagnosticMessage($"cancel from chat: container gone {gone.TotalMilliseconds:0} ms after the comment was accepted");
        Assert.True(gone < TimeSpan.FromSeconds(2), $"container gone only after {gone.TotalMilliseconds:0} ms");
        var task = await system.WaitFinishedAsync(id);
        Assert.Equal("cancelled", task.GetProperty("state").GetString());

        var comments = await github.WaitForAsync(r => r.Path == "/repos/acme/backend/issues/7/comments", count: 2);
        Assert.All(comments, c => Assert.Equal("Bearer " + GitHubToken, c.Header("Authorization")));
        Assert.Equal($"Task `{id}` queued: `run` in project *backend* (position 1).", comments[0].Json.GetProperty("body").GetString());
        Assert.StartsWith($"Task `{id}` cancelled.\nCommand: `run` in project *backend*", comments[1].Json.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    private static async Task WaitForContainerAsync(CodeurSystem system)
    {
        var deadline = Stopwatch.StartNew();
        while ((await DockerCli.ContainersOfAsync(system.InstanceId)).Count == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the task's container never appeared");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
