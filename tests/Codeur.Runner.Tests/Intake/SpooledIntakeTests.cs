using System.Net;
using System.Text.Json;
using Codeur.Runner.Tests.Replies;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Intake.RunnerHost;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Intake;

/// <summary>
/// Requests the gateway forwards from its spool (<c>X-Codeur-Spooled-At</c>, <c>X-Codeur-Request-Id</c>): the caller
/// stopped waiting long ago, so answers that would have been shown in the HTTP response go as platform replies, and
/// the gateway's request id makes a second forward of the same request a duplicate, never a second task.
/// </summary>
public sealed class SpooledIntakeTests
{
    private const string RequestId = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task SameRequestIdTwice_WithoutADeliveryId_OneTask()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await RunnerHost.StartAsync(executor);

        var first = await PostAsync(host, RequestId, spooled: false);
        var again = await PostAsync(host, RequestId, spooled: true);
        var other = await PostAsync(host, RequestId.Replace('0', 'f'), spooled: true);

        Assert.Equal("queued", first.Status);
        Assert.Equal(("duplicate", first.TaskId), (again.Status, again.TaskId));
        Assert.NotEqual(first.TaskId, other.TaskId);
    }

    [Fact]
    public async Task MalformedRequestId_Ignored_NotADedupeKey()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await RunnerHost.StartAsync(executor);

        var first = await PostAsync(host, "not-an-id", spooled: false);
        var second = await PostAsync(host, "not-an-id", spooled: false);

        Assert.NotEqual(first.TaskId, second.TaskId);
    }

    [Fact]
    public async Task SpooledSlashCommandAndInteraction_Refused_RefusalPostedToThePlatform()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(new ScriptedExecutor(ScriptedExecutor.Succeed), extraConfig: Config(fake));

        var slack = FromGateway(HttpMethod.Post, "/webhook/slack", Form(
            ("command", "/agent"), ("text", "run --project nowhere add tests"), ("user_id", "U1"), ("channel_id", "C1"),
            ("team_id", "T1"), ("trigger_id", "trigger-spooled"), ("response_url", "https://hooks.slack.com" + SlackHook)), identity: "slack", auth: "signature", platform: "slack");
        slack.Headers.Add("X-Codeur-Spooled-At", DateTimeOffset.UtcNow.ToString("O"));
        using var slackResponse = await host.SendAsync(slack);

        // Not the chat message a waiting Slack would show: the contract's error, and the refusal as a reply.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, slackResponse.StatusCode);
        var posted = await fake.WaitForAsync(r => r.Path == SlackHook);
        Assert.Contains("Refused: no project matches", posted[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpooledComment_QueueFull_503AndNoRefusalPosted()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await RunnerHost.StartAsync(executor, capacity: 1, extraConfig: Config(fake));
        await host.PostTaskAsync("occupies the only place in the queue");

        var comment = JsonSerializer.Serialize(new
        {
            action = "created",
            issue = new { number = 7, title = "t" },
            comment = new { id = 99, body = "!agent run --project backend later", author_association = "OWNER", user = new { login = "octocat", type = "User" } },
            repository = new { full_name = "acme/backend" },
            sender = new { login = "octocat", type = "User" },
        });
        var request = FromGateway(HttpMethod.Post, "/webhook/github", Json(comment), identity: "github", auth: "signature", platform: "github");
        request.Headers.Add("X-GitHub-Event", "issue_comment");
        request.Headers.Add("X-GitHub-Delivery", "spooled-delivery");
        request.Headers.Add("X-Codeur-Spooled-At", DateTimeOffset.UtcNow.ToString("O"));
        using var response = await host.SendAsync(request);

        // The gateway keeps it and tries again: telling the user "refused" would be untrue.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        await EndingReplyTests.AssertNoMoreAsync(fake, 0);
    }

    private static async Task<(string Status, string TaskId)> PostAsync(RunnerHost host, string requestId, bool spooled)
    {
        var request = FromGateway(HttpMethod.Post, "/api/tasks", Json(JsonSerializer.Serialize(new { command = "run", args = "same text", project = "backend" })));
        request.Headers.Add("X-Codeur-Request-Id", requestId);
        if (spooled)
        {
            request.Headers.Add("X-Codeur-Spooled-At", DateTimeOffset.UtcNow.ToString("O"));
        }

        using var response = await host.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        using var json = await ReadJsonAsync(response);
        return (json.RootElement.GetProperty("status").GetString()!, json.RootElement.GetProperty("task_id").GetString()!);
    }
}
