using Codeur.Configuration;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;

namespace Codeur.IntegrationTests.Publishing;

/// <summary>
/// <c>run</c> ends in a pull request: the real engine runs the fake agent, the runner's own push container pushes the
/// branch over smart HTTP to a bare repository served by Debian's <c>git http-backend</c> (Basic auth with the forge
/// token), and the pull request goes to the recording GitHub stand-in.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class PullRequestTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>
{
    [Fact]
    public async Task Run_PublishPullRequest_BranchOnRemoteExactPullRequestAndLinkInReply()
    {
        docker.RequireDocker();
        image.Require();
        await using var kit = await PublishingTestKit.StartAsync(docker);
        var (project, _, baseCommit, config) = await kit.DemoAsync();
        var task = PublishingTestKit.Task(project.Path, "add a greeting\nand say why");

        var (outcome, live) = await kit.RunAsync(config, task);

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        var git = outcome.Git!;
        var branch = "codeur/" + task.Id;
        Assert.Equal(branch, git.Branch);
        Assert.Equal(2, git.Commits.Count);

        // The remote has the branch at the agent's last commit, with the agent's commits on it.
        Assert.Equal(git.HeadCommit, await kit.Forge.BranchHeadAsync("demo", branch));
        var (_, log) = await FakeAgentImage.RunAsync("git", ["--git-dir", Path.Combine(kit.Forge.Root, "demo.git"), "log", "--format=%H %s", baseCommit + ".." + branch], TimeSpan.FromSeconds(30));
        Assert.Contains($"{git.Commits[0].Sha} fake-agent: add a greeting", log, StringComparison.Ordinal);
        Assert.Contains($"{git.Commits[1].Sha} codeur: leftover changes of task {task.Id}", log, StringComparison.Ordinal);

        // Git asked for the credential (401) and then authenticated with the forge token, through the helper.
        var gitRequests = kit.Forge.Requests.Where(r => r.Path.StartsWith("/git/", StringComparison.Ordinal)).ToList();
        Assert.Contains(gitRequests, r => !r.Authorized);
        Assert.Contains(gitRequests, r => r.Authorized && r.Path.Contains("git-receive-pack", StringComparison.Ordinal) && r.Method == "POST");

        // Exactly one pull request request, exactly as specified.
        var pull = Assert.Single(kit.Forge.Requests, r => r.Method == "POST" && r.Path == "/api/repos/acme/demo/pulls");
        Assert.Equal("Bearer " + PublishingTestKit.Token, pull.Authorization);
        var json = pull.Json;
        Assert.Equal(["base", "body", "draft", "head", "title"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("add a greeting", json.GetProperty("title").GetString());
        Assert.Equal(branch, json.GetProperty("head").GetString());
        Assert.Equal("main", json.GetProperty("base").GetString());
        Assert.True(json.GetProperty("draft").GetBoolean());
        var body = json.GetProperty("body").GetString()!;
        Assert.StartsWith("> add a greeting\n> and say why\n", body, StringComparison.Ordinal);
        Assert.Contains($"Codeur task `{task.Id}`, requested by `octocat` on api", body, StringComparison.Ordinal);
        Assert.Contains($"- `{git.Commits[0].Sha[..7]}` fake-agent: add a greeting", body, StringComparison.Ordinal);
        Assert.Contains("README.md", body, StringComparison.Ordinal);
        Assert.Contains($"Full log: https://codeur.example/api/tasks/{task.Id}/logs", body, StringComparison.Ordinal);
        Assert.DoesNotContain(AgentTestKit.Secret, body, StringComparison.Ordinal);

        // The task records the pull request, and the ending reply links it.
        var publication = git.Publication!;
        Assert.True(publication.Pushed);
        Assert.True(publication.PullRequestCreated);
        Assert.Equal(1, publication.PullRequestNumber);
        Assert.Equal("https://github.example/acme/demo/pull/1", publication.PullRequestUrl);
        var reply = new ReplyFormatter(config, new Redactor(config)).Ending(PublishingTestKit.Ended(task, outcome));
        Assert.Contains("Pull request: https://github.example/acme/demo/pull/1", reply.Details);
        Assert.Contains("codeur: opened pull request https://github.example/acme/demo/pull/1", live, StringComparison.Ordinal);
        Assert.DoesNotContain(PublishingTestKit.Token, live, StringComparison.Ordinal);
        Assert.DoesNotContain(PublishingTestKit.Token, outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_FollowUpOnThePullRequestThread_SameBranchNewCommitNoSecondPullRequest()
    {
        docker.RequireDocker();
        image.Require();
        await using var kit = await PublishingTestKit.StartAsync(docker);
        var (project, _, _, config) = await kit.DemoAsync();
        var first = PublishingTestKit.Task(project.Path, "add a greeting");
        var (opened, _) = await kit.RunAsync(config, first);
        Assert.True(opened.State == TaskState.Succeeded, $"{opened.State}: {opened.Error}\n{opened.Output}");
        var number = opened.Git!.Publication!.PullRequestNumber!.Value;

        // GitHub sends a comment on a pull request as issue_comment whose issue has a pull_request object.
        var context = $$"""{"repository":"acme/demo","issue_number":{{number}},"comment_id":77,"is_pull_request":true}""";
        var followUp = PublishingTestKit.Task(project.Path, "also update the docs", "github", context);
        var (outcome, live) = await kit.RunAsync(config, followUp);

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        var git = outcome.Git!;
        Assert.Equal(opened.Git.Branch, git.Branch);
        Assert.Equal(opened.Git.HeadCommit, git.BaseCommit);
        Assert.Contains(git.Commits, c => c.Subject == "fake-agent: also update the docs");
        Assert.Equal(git.HeadCommit, await kit.Forge.BranchHeadAsync("demo", git.Branch));
        Assert.Contains($"continuing branch {git.Branch} of pull request #{number}", live, StringComparison.Ordinal);

        var publication = git.Publication!;
        Assert.False(publication.PullRequestCreated);
        Assert.Equal(number, publication.PullRequestNumber);
        Assert.Single(kit.Forge.Requests, r => r.Method == "POST" && r.Path.EndsWith("/pulls", StringComparison.Ordinal));
        Assert.Single(kit.Forge.Requests, r => r.Method == "GET" && r.Path == $"/api/repos/acme/demo/pulls/{number}");
        var reply = new ReplyFormatter(config, new Redactor(config)).Ending(PublishingTestKit.Ended(followUp, outcome));
        Assert.Contains($"Pull request (updated): https://github.example/acme/demo/pull/{number}", reply.Details);
    }

    [Fact]
    public async Task Run_RemoteRefusesThePush_FailedWithTheRemotesReasonAndLocalBranchKept()
    {
        docker.RequireDocker();
        image.Require();
        await using var kit = await PublishingTestKit.StartAsync(docker);
        var (project, _, _, config) = await kit.DemoAsync();
        kit.Forge.RefusePushes("demo", "protected: pushes to this repository are closed");
        var task = PublishingTestKit.Task(project.Path, "add a greeting");

        var (outcome, _) = await kit.RunAsync(config, task);

        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Contains("refused the push", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("protected: pushes to this repository are closed", outcome.Error, StringComparison.Ordinal);
        var git = outcome.Git!;
        Assert.False(git.Publication!.Pushed);
        Assert.Null(await kit.Forge.BranchHeadAsync("demo", git.Branch));
        Assert.Equal(git.HeadCommit, (await AgentTestKit.GitAsync(project.Path, "rev-parse", git.Branch)).Trim());
        Assert.DoesNotContain(kit.Forge.Requests, r => r.Path.EndsWith("/pulls", StringComparison.Ordinal));
        var reply = new ReplyFormatter(config, new Redactor(config)).Ending(PublishingTestKit.Ended(task, outcome));
        Assert.Contains(reply.Details, d => d.StartsWith("Publishing failed:", StringComparison.Ordinal) && d.Contains("is kept in the project's repository", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_PublishBranchOnly_PushedAndNoPullRequest()
    {
        docker.RequireDocker();
        image.Require();
        await using var kit = await PublishingTestKit.StartAsync(docker);
        var (project, remote, _, config) = await kit.DemoAsync(PublishSection.Branch);
        var task = PublishingTestKit.Task(project.Path, "add a greeting");

        var (outcome, _) = await kit.RunAsync(config, task);

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        Assert.Equal(outcome.Git!.HeadCommit, await kit.Forge.BranchHeadAsync("demo", outcome.Git.Branch));
        Assert.DoesNotContain(kit.Forge.Requests, r => r.Path.StartsWith("/api/", StringComparison.Ordinal));
        var reply = new ReplyFormatter(config, new Redactor(config)).Ending(PublishingTestKit.Ended(task, outcome));
        Assert.Contains($"Pushed: `{outcome.Git.Branch}` to {remote}", reply.Details);
    }
}
