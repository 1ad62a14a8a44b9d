using System.Globalization;
using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Tests.Intake;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Replies;

/// <summary>
/// A reply with no way out (no platform token, no live callback) is never stored: before issue 16 each one was stored,
/// tried three times and given up with an Error line, which halved intake throughput under load.
/// </summary>
public sealed class ReplyReachTests
{
    private static readonly DateTimeOffset Received = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Intake_NoPlatformTokens_OnlyRepliesWithLiveCallbackStored()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        var config = Config(fake)
            .Replace($"github_token: \"{GitHubToken}\"", "github_token: \"\"", StringComparison.Ordinal)
            .Replace($"slack_bot_token: \"{SlackBotToken}\"", "slack_bot_token: \"\"", StringComparison.Ordinal)
            .Replace($"discord_bot_token: \"{DiscordBotToken}\"", "discord_bot_token: \"\"", StringComparison.Ordinal);

        // One worker: tasks end in order, so once the last one's reply is out, the earlier endings have been handled.
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), workers: 1, extraConfig: config);

        var github = await TaskIdAsync(await GitHubCommentAsync(host, "run --project backend ending:succeeded"));
        var mention = await TaskIdAsync(await SlackMentionAsync(host, "run --project backend ending:failed"));
        var relay = await TaskIdAsync(await DiscordRelayAsync(host, "!agent run --project backend ending:succeeded"));
        var slash = await TaskIdAsync(await SlackSlashAsync(host, "run --project backend ending:succeeded"));
        foreach (var id in new[] { github, mention, relay, slash })
        {
            await host.WaitForFinalAsync(id);
        }

        var delivered = await fake.WaitForAsync(_ => true);
        await EndingReplyTests.AssertNoMoreAsync(fake, 1);
        Assert.Equal(SlackHook, delivered[0].Path);
        Assert.StartsWith($"Task `{slash}` succeeded.", delivered[0].Json.GetProperty("text").GetString(), StringComparison.Ordinal);

        var stored = await StoredRepliesAsync(host);
        Assert.Equal([$"slack {slash} ending"], stored);
    }

    [Fact]
    public async Task Intake_WithPlatformTokens_AckAndEndingStoredAndDelivered()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));

        var id = await TaskIdAsync(await GitHubCommentAsync(host, "run --project backend ending:succeeded"));
        await host.WaitForFinalAsync(id);
        var requests = await fake.WaitForAsync(_ => true, count: 2);

        Assert.All(requests, r => Assert.Equal("/repos/acme/backend/issues/7/comments", r.Path));
        Assert.Equal([$"github {id} ack", $"github {id} ending"], await StoredRepliesAsync(host));
    }

    [Fact]
    public async Task StartAsync_PlatformsWithoutToken_OneWarningNamingThem()
    {
        var logger = new FakeLogger<ReplyReach>();
        var reach = new ReplyReach(Settings(githubToken: null, slackBotToken: "xoxb-1-2-x", discordBotToken: null), new FakeTimeProvider(Received), logger);

        await reach.StartAsync(Ct);

        var warning = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("github, discord", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("slack,", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EveryToken_NoWarning()
    {
        var logger = new FakeLogger<ReplyReach>();
        var reach = new ReplyReach(Settings("gh", "xoxb-1-2-x", "bot"), new FakeTimeProvider(Received), logger);

        await reach.StartAsync(Ct);

        Assert.Empty(logger.Collector.GetSnapshot());
    }

    [Theory]
    [InlineData("github", "ending", """{"repository":"a/b","issue_number":"1"}""", 0, false)]
    [InlineData("slack", "ending", """{"response_url":"https://hooks.slack.com/x","channel_id":"C1"}""", 29, true)]
    [InlineData("slack", "ending", """{"response_url":"https://hooks.slack.com/x","channel_id":"C1"}""", 31, false)]
    [InlineData("slack", "ack", """{"response_url":"https://hooks.slack.com/x","channel_id":"C1"}""", 0, false)]
    [InlineData("slack", "ending", """{"channel_id":"C1"}""", 0, false)]
    [InlineData("discord", "progress", """{"application_id":"11","interaction_token":"t","channel_id":"22"}""", 13, true)]
    [InlineData("discord", "ending", """{"application_id":"11","interaction_token":"t","channel_id":"22"}""", 15, false)]
    [InlineData("discord", "rejection", """{"channel_id":"22"}""", 0, false)]
    public void CanDeliver_NoToken_OnlyThroughALiveCallback(string platform, string kind, string context, int minutesLater, bool expected)
    {
        var time = new FakeTimeProvider(Received);
        var reach = new ReplyReach(Settings(null, null, null), time, new FakeLogger<ReplyReach>());
        time.Advance(TimeSpan.FromMinutes(minutesLater));

        Assert.Equal(expected, reach.CanDeliver(platform, ReplyKinds.Parse(kind), ReplyContext.Parse(context), Received));
    }

    [Theory]
    [InlineData("github", "ack")]
    [InlineData("slack", "ack")]
    [InlineData("discord", "ending")]
    public void CanDeliver_WithToken_Always(string platform, string kind)
    {
        var time = new FakeTimeProvider(Received);
        var reach = new ReplyReach(Settings("gh", "xoxb-1-2-x", "bot"), time, new FakeLogger<ReplyReach>());
        time.Advance(TimeSpan.FromHours(2));

        Assert.True(reach.CanDeliver(platform, ReplyKinds.Parse(kind), ReplyContext.Parse("""{"channel_id":"C1"}"""), Received));
    }

    /// <summary>Every row of the outbox, delivered or not, as "platform task kind" in insertion order.</summary>
    private static Task<string[]> StoredRepliesAsync(RunnerHost host) =>
        host.Services.GetRequiredService<SqliteTaskQueue>().ReadAsync(async connection =>
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT platform, task_id, kind FROM replies ORDER BY id;";
            var rows = new List<string>();
            using var reader = await select.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)}"));
            }

            return rows.ToArray();
        }, Ct);

    private static AgentConfig Settings(string? githubToken, string? slackBotToken, string? discordBotToken) => new()
    {
        Webhook = new WebhookSection { GithubToken = githubToken, SlackBotToken = slackBotToken, DiscordBotToken = discordBotToken },
    };
}
