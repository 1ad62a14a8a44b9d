using System.Text.Json.Nodes;
using Codeur.Runner.Queue;
using Codeur.Runner.Tests.Intake;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Replies;

/// <summary>
/// Every ending reaches every platform, checked request by request: the method, path, headers and exact JSON body
/// GitHub, Slack and Discord receive from the production clients (pointed at a recording fake by configuration).
/// </summary>
public sealed class EndingReplyTests
{
    private const string Fence = "```";

    public static TheoryData<string, string> Endings => new()
    {
        { "succeeded", "Task `{0}` succeeded." },
        { "failed", "Task `{0}` failed with exit code 3." },
        { "timed_out", "Task `{0}` timed out after 300 s and was killed." },
        { "oom_killed", "Task `{0}` ran out of memory (2g) and was killed." },
        { "output_limit", "Task `{0}` printed more than 4m of output and was killed." },
        { "cancelled", "Task `{0}` cancelled." },
        { "interrupted", "Task `{0}` interrupted: the runner stopped while it ran; it was not re-run because agents change code." },
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task GitHubComment_EachEnding_AckCommentThenEndingComment(string ending, string headline)
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        using var response = await GitHubCommentAsync(host, $"run --project backend ending:{ending}");
        var id = await TaskIdAsync(response);
        var task = await host.WaitForFinalAsync(id);
        var requests = await fake.WaitForAsync(_ => true, count: 2);

        var ack = requests[0];
        Assert.Equal("POST", ack.Method);
        Assert.Equal("/repos/acme/backend/issues/7/comments", ack.Path);
        AssertGitHubHeaders(ack);
        AssertJson(new JsonObject { ["body"] = $"Task `{id}` queued: `run` in project *backend* (position 1)." }, ack);

        var end = requests[1];
        Assert.Equal("POST", end.Method);
        Assert.Equal("/repos/acme/backend/issues/7/comments", end.Path);
        AssertGitHubHeaders(end);
        var head = EndingHead(task, string.Format(System.Globalization.CultureInfo.InvariantCulture, headline, id));
        AssertJson(new JsonObject { ["body"] = $"{head}\n{Fence}\nline 1\nline 2\n{Fence}" }, end);
        await AssertNoMoreAsync(fake, 2);
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task SlackSlashCommand_EachEnding_InChannelPostToResponseUrl(string ending, string headline)
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        using var response = await SlackSlashAsync(host, $"run --project backend ending:{ending}");
        var id = await TaskIdAsync(response);
        var task = await host.WaitForFinalAsync(id);
        var end = (await fake.WaitForAsync(_ => true))[0];

        Assert.Equal("POST", end.Method);
        Assert.Equal(SlackHook, end.Path);
        Assert.Null(end.Header("Authorization"));
        Assert.StartsWith("application/json", end.Header("Content-Type"), StringComparison.Ordinal);
        var head = EndingHead(task, string.Format(System.Globalization.CultureInfo.InvariantCulture, headline, id));
        AssertJson(new JsonObject
        {
            ["text"] = head.Split('\n')[0],
            ["blocks"] = new JsonArray(Section($"{head}\n{Fence}\nline 1\nline 2\n{Fence}")),
            ["response_type"] = "in_channel",
            ["replace_original"] = false,
        }, end);
        await AssertNoMoreAsync(fake, 1);
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task DiscordInteraction_EachEnding_FollowUpWithoutMentions(string ending, string headline)
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        using var response = await DiscordInteractionAsync(host, "run", $"ending:{ending}");
        var id = await TaskIdAsync(response);
        var task = await host.WaitForFinalAsync(id);
        var end = (await fake.WaitForAsync(_ => true))[0];

        Assert.Equal("POST", end.Method);
        Assert.Equal($"/webhooks/{DiscordApplication}/{InteractionToken}", end.Path);
        Assert.Null(end.Header("Authorization"));
        var head = EndingHead(task, string.Format(System.Globalization.CultureInfo.InvariantCulture, headline, id));
        AssertJson(new JsonObject
        {
            ["content"] = $"{head}\n{Fence}\nline 1\nline 2\n{Fence}",
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        }, end);
        await AssertNoMoreAsync(fake, 1);
    }

    [Fact]
    public async Task SlackMention_Ending_AckAndEndingThroughChatPostMessageInThread()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        using var response = await SlackMentionAsync(host, "run --project backend ending:failed");
        var id = await TaskIdAsync(response);
        var task = await host.WaitForFinalAsync(id);
        var requests = await fake.WaitForAsync(_ => true, count: 2);

        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/chat.postMessage", r.Path);
            Assert.Equal("Bearer " + SlackBotToken, r.Header("Authorization"));
        });
        var ackText = $"Task `{id}` queued: `run` in project *backend* (position 1).";
        AssertJson(new JsonObject
        {
            ["text"] = ackText,
            ["blocks"] = new JsonArray(Section(ackText)),
            ["channel"] = "C1",
            ["thread_ts"] = "1700000000.000100",
        }, requests[0]);
        var head = EndingHead(task, $"Task `{id}` failed with exit code 3.");
        AssertJson(new JsonObject
        {
            ["text"] = head.Split('\n')[0],
            ["blocks"] = new JsonArray(Section($"{head}\n{Fence}\nline 1\nline 2\n{Fence}")),
            ["channel"] = "C1",
            ["thread_ts"] = "1700000000.000100",
        }, requests[1]);
    }

    [Fact]
    public async Task DiscordRelay_Ending_AckAndEndingAsChannelMessagesWithBotToken()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        using var response = await DiscordRelayAsync(host, "!agent run --project backend ending:succeeded");
        var id = await TaskIdAsync(response);
        var task = await host.WaitForFinalAsync(id);
        var requests = await fake.WaitForAsync(_ => true, count: 2);

        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal($"/channels/{DiscordChannel}/messages", r.Path);
            Assert.Equal("Bot " + DiscordBotToken, r.Header("Authorization"));
        });
        Assert.Equal($"Task `{id}` queued: `run` in project *backend* (position 1).", requests[0].Json.GetProperty("content").GetString());
        Assert.Equal($"{EndingHead(task, $"Task `{id}` succeeded.")}\n{Fence}\nline 1\nline 2\n{Fence}", requests[1].Json.GetProperty("content").GetString());
    }

    [Fact]
    public async Task ApiTask_Ending_NothingPosted()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        var id = await host.PostTaskAsync("ending:failed");
        await host.WaitForFinalAsync(id);

        await AssertNoMoreAsync(fake, 0);
    }

    internal static JsonObject Section(string text) => new()
    {
        ["type"] = "section",
        ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = text },
    };

    internal static void AssertJson(JsonNode expected, RecordedRequest actual)
    {
        var received = JsonNode.Parse(actual.Body);
        Assert.True(JsonNode.DeepEquals(expected, received), $"expected\n{expected.ToJsonString()}\nreceived\n{actual.Body}");
    }

    internal static void AssertGitHubHeaders(RecordedRequest request)
    {
        Assert.Equal("application/vnd.github+json", request.Header("Accept"));
        Assert.Equal("2022-11-28", request.Header("X-GitHub-Api-Version"));
        Assert.Equal("Bearer " + GitHubToken, request.Header("Authorization"));
        Assert.StartsWith("codeur-gateway/", request.Header("User-Agent"), StringComparison.Ordinal);
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
    }

    /// <summary>Nothing beyond the expected requests arrives in the next moment (no duplicate delivery).</summary>
    internal static async Task AssertNoMoreAsync(FakePlatformServer fake, int expected)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        Assert.Equal(expected, fake.Requests.Count);
    }
}
