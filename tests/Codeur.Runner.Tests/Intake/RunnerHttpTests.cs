using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Codeur.Runner.Queue;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Intake.RunnerHost;

namespace Codeur.Runner.Tests.Intake;

/// <summary>
/// The runner's HTTP contract as the gateway sees it: the internal credential, intake per platform, the task API
/// and /status. The whole service runs (queue, workers, endpoints); only the executor and the engine are fakes.
/// </summary>
public sealed partial class RunnerHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/status", null)]
    [InlineData("GET", "/status", "wrong-token")]
    [InlineData("POST", "/api/tasks", null)]
    [InlineData("POST", "/api/tasks", "wrong-token")]
    [InlineData("GET", "/api/tasks/anything", "")]
    public async Task AnyRoute_MissingOrWrongInternalToken_401JsonAndNothingQueued(string method, string path, string? token)
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative))
        {
            Content = method == "POST" ? Json("""{"command":"run","args":"x","project":"backend"}""") : null,
        };
        request.Headers.Add("X-Codeur-Identity", "token:ci");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, token);
        }

        using var response = await host.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = await ReadJsonAsync(response);
        Assert.Contains("gateway", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.Queue.RecentAsync(10, Ct));
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/metrics")]
    public async Task HealthAndMetrics_NoInternalToken_Answered(string path)
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("accepts requests only through the gateway", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostTask_FromGateway_202AndTaskReadableInQueue()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json("""{"command":"run","args":"add auth to the API","project":"backend"}""")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var created = await ReadJsonAsync(response);
        var id = created.RootElement.GetProperty("task_id").GetString()!;
        Assert.Equal("queued", created.RootElement.GetProperty("status").GetString());
        Assert.Equal("backend", created.RootElement.GetProperty("project").GetString());

        using var read = await host.SendAsync(FromGateway(HttpMethod.Get, $"/api/tasks/{id}"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var view = await ReadJsonAsync(read);
        Assert.Equal(id, view.RootElement.GetProperty("task_id").GetString());
        Assert.Equal("run", view.RootElement.GetProperty("command").GetString());
        Assert.Equal(["add auth to the API"], view.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("api", view.RootElement.GetProperty("platform").GetString());
        Assert.Equal("token:ci", view.RootElement.GetProperty("requester").GetString());
        Assert.Equal("token:ci", (await host.Queue.GetAsync(id, Ct))?.Requester);
    }

    [Fact]
    public async Task PostTask_UnknownProject_422NamingIt()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json("""{"command":"run","args":"x","project":"frontend"}""")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        var error = body.RootElement.GetProperty("error").GetString();
        Assert.Contains("'frontend'", error, StringComparison.Ordinal);
        Assert.Contains("known projects: backend", error, StringComparison.Ordinal);
        Assert.Empty(await host.Queue.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task PostTask_DisallowedCommand_422ListingAllowedOnes()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json("""{"command":"deploy","project":"backend"}""")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        var error = body.RootElement.GetProperty("error").GetString()!;
        Assert.Contains("'deploy'", error, StringComparison.Ordinal);
        foreach (var allowed in new[] { "run", "analyze", "search", "status" })
        {
            Assert.Contains(allowed, error, StringComparison.Ordinal);
        }

        Assert.Empty(await host.Queue.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task PostTask_MalformedJson_400Json()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json("""{"command": "run", """)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.StartsWith("malformed JSON", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostTask_TextPlain_415Json()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", new StringContent("run x")));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Contains("content type", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHubComment_SameDeliveryTwice_202ThenDuplicateWithSameTask()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        const string comment = """
            {"action":"created",
             "issue":{"number":7,"title":"Build is red"},
             "comment":{"id":99,"body":"!agent run --project backend 'fix the build'","author_association":"OWNER","user":{"login":"octocat","type":"User"}},
             "repository":{"full_name":"acme/backend"},
             "sender":{"login":"octocat","type":"User"}}
            """;

        using var first = await host.SendAsync(GitHub("issue_comment", "delivery-1", comment));
        using var second = await host.SendAsync(GitHub("issue_comment", "delivery-1", comment));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var created = await ReadJsonAsync(first);
        var id = created.RootElement.GetProperty("task_id").GetString();
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using var duplicate = await ReadJsonAsync(second);
        Assert.Equal("duplicate", duplicate.RootElement.GetProperty("status").GetString());
        Assert.Equal(id, duplicate.RootElement.GetProperty("task_id").GetString());
        var stored = Assert.Single(await host.Queue.RecentAsync(10, Ct));
        Assert.Equal("octocat", stored.Requester);
        Assert.Equal(["fix the build"], stored.Args);
    }

    [Fact]
    public async Task GitHubPing_200Pong()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(GitHub("ping", "delivery-ping", """{"zen":"Keep it logically awesome.","hook_id":1}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal("pong", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(await host.Queue.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task SlackSignedSlashCommand_200InChannelMessageWithTaskId()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        var form = Form(
            ("command", "/agent"),
            ("text", "run --project backend fix the flaky test"),
            ("user_id", "U2147483697"),
            ("channel_id", "C2147483705"),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
            ("response_url", "https://hooks.slack.com/commands/1234/5678"));

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/slack", form, identity: "slack", auth: "signature", platform: "slack"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal("in_channel", body.RootElement.GetProperty("response_type").GetString());
        var text = body.RootElement.GetProperty("text").GetString()!;
        var id = TaskIdInText().Match(text).Groups[1].Value;
        var stored = await host.Queue.GetAsync(id, Ct);
        Assert.NotNull(stored);
        Assert.Equal("U2147483697", stored.Requester);
        Assert.Equal("slack", stored.Platform);
    }

    [Fact]
    public async Task SlackUrlVerification_ChallengeEchoed()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/slack",
            Json("""{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"""),
            identity: "slack", auth: "signature", platform: "slack"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", body.RootElement.GetProperty("challenge").GetString());
    }

    [Fact]
    public async Task DiscordSignedPing_Type1()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/discord", Json("""{"type":1,"id":"1","application_id":"2"}"""),
            identity: "discord", auth: "signature", platform: "discord"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"type":1}""", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task DiscordSignedInteraction_UnknownProject_200EphemeralRefusal()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        const string interaction = """
            {"type":2,"id":"1180000000000000001","application_id":"1180000000000000002","token":"interaction-token","channel_id":"1180000000000000003",
             "member":{"user":{"id":"80351110224678912","username":"nelly"}},
             "data":{"name":"agent","options":[
               {"name":"command","type":3,"value":"run"},
               {"name":"task","type":3,"value":"add tests"},
               {"name":"project","type":3,"value":"frontend"}]}}
            """;

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/discord", Json(interaction), identity: "discord", auth: "signature", platform: "discord"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal(4, body.RootElement.GetProperty("type").GetInt32());
        var data = body.RootElement.GetProperty("data");
        Assert.StartsWith("Refused:", data.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("'frontend'", data.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(64, data.GetProperty("flags").GetInt32());
        Assert.Empty(await host.Queue.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task PostTask_QueueAtCapacity_503WithRetryAfter()
    {
        await using var host = await StartAsync(new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct)), capacity: 1);

        using var accepted = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json("""{"command":"run","args":"one","project":"backend"}""")));
        using var refused = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json("""{"command":"run","args":"two","project":"backend"}""")));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        using var body = await ReadJsonAsync(refused);
        Assert.Contains("queue is full", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Single(await host.Queue.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task DiscordRelayCancel_ByAnotherRequester_404AsIfMissingAndTaskUntouched()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor);
        using var created = await host.SendAsync(DiscordRelay("alice", "m1", "!agent run --project backend add tests"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        using var createdBody = await ReadJsonAsync(created);
        var id = createdBody.RootElement.GetProperty("task_id").GetString()!;

        using var response = await host.SendAsync(DiscordRelay("mallory", "m2", $"!agent cancel {id}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal($"no task {id}", body.RootElement.GetProperty("error").GetString());
        var stored = await host.Queue.GetAsync(id, Ct);
        Assert.False(stored!.CancelRequested);
        Assert.False(stored.State.IsFinal());
    }

    [Fact]
    public async Task DiscordRelayCancel_ByTheRequester_202AndTaskCancelled()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor);
        using var created = await host.SendAsync(DiscordRelay("alice", "m1", "!agent run --project backend add tests"));
        using var createdBody = await ReadJsonAsync(created);
        var id = createdBody.RootElement.GetProperty("task_id").GetString()!;
        await executor.WhenStarted(id).WaitAsync(Bound, Ct);

        using var response = await host.SendAsync(DiscordRelay("ALICE", "m2", $"!agent cancel {id}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(TaskState.Cancelled, (await host.WaitForFinalAsync(id)).State);
    }

    private static HttpRequestMessage GitHub(string eventName, string delivery, string json)
    {
        var request = FromGateway(HttpMethod.Post, "/webhook/github", Json(json), identity: "github", auth: "signature", platform: "github");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        return request;
    }

    /// <summary>A Discord bot relaying a channel message: it authenticates to the gateway with a bearer token.</summary>
    private static HttpRequestMessage DiscordRelay(string author, string messageId, string content) =>
        FromGateway(HttpMethod.Post, "/webhook/discord",
            Json(JsonSerializer.Serialize(new { content, author = new { id = author, username = author }, channel_id = "c1", message_id = messageId })),
            identity: "token:discord-relay", auth: "bearer", platform: "discord", scopes: "relay:discord trust:discord");

    [GeneratedRegex("Task `([0-9a-f]+)` queued")]
    private static partial Regex TaskIdInText();
}
