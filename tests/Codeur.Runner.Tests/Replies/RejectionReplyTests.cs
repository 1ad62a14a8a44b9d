using System.Net;
using System.Text.Json.Nodes;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Replies.EndingReplyTests;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Replies;

/// <summary>
/// Every refusal is answered where the user typed: on GitHub as a comment, for Slack mentions as an ephemeral
/// message, for relayed Discord messages in the channel. Signed slash commands and interactions already show the
/// refusal in our HTTP answer, so nothing more is posted for them.
/// </summary>
public sealed class RejectionReplyTests
{
    private const string Policy = """
          allowed_commands: [run, status]
          requesters: {github: [octocat], slack: [U1], discord: ["80351110224678912"]}
        """;

    public static TheoryData<string, string, string, string> Rejections => new()
    {
        // platform, command text, author, message
        { "github", "run --project frontend add tests", "octocat", "Refused: no project matches project 'frontend'; known projects: backend" },
        { "github", "analyze --project backend", "octocat", "Refused: command 'analyze' is not allowed; allowed: run, status, cancel" },
        { "github", "run --project backend second", "octocat", "Refused: the task queue is full; try again in 30 seconds" },
        { "slack", "run --project frontend add tests", "U1", "Refused: no project matches project 'frontend'; known projects: backend" },
        { "slack", "analyze --project backend", "U1", "Refused: command 'analyze' is not allowed; allowed: run, status, cancel" },
        { "slack", "run --project backend second", "U1", "Refused: the task queue is full; try again in 30 seconds" },
        { "discord", "run --project frontend add tests", "80351110224678912", "Refused: no project matches project 'frontend'; known projects: backend" },
        { "discord", "analyze --project backend", "80351110224678912", "Refused: command 'analyze' is not allowed; allowed: run, status, cancel" },
        { "discord", "run --project backend second", "80351110224678912", "Refused: the task queue is full; try again in 30 seconds" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Rejection_EachKindOnEachPlatform_PostedWhereTheUserTyped(string platform, string text, string author, string message)
    {
        await using var fake = await FakePlatformServer.StartAsync();
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await RunnerHost.StartAsync(executor, capacity: 1, extraConfig: Config(fake, webhook: Policy));
        await host.PostTaskAsync("occupies the only place in the queue");

        using var response = platform switch
        {
            "github" => await GitHubCommentAsync(host, text, author),
            "slack" => await SlackMentionAsync(host, text, author),
            _ => await DiscordRelayAsync(host, "!agent " + text, author),
        };

        Assert.True((int)response.StatusCode >= 400, $"intake answered {(int)response.StatusCode}");
        var reply = (await fake.WaitForAsync(_ => true))[0];
        Assert.Equal("POST", reply.Method);
        switch (platform)
        {
            case "github":
                Assert.Equal("/repos/acme/backend/issues/7/comments", reply.Path);
                AssertGitHubHeaders(reply);
                AssertJson(new JsonObject { ["body"] = message }, reply);
                break;
            case "slack":
                Assert.Equal("/chat.postEphemeral", reply.Path);
                Assert.Equal("Bearer " + SlackBotToken, reply.Header("Authorization"));
                AssertJson(new JsonObject
                {
                    ["text"] = message,
                    ["blocks"] = new JsonArray(Section(message)),
                    ["channel"] = "C1",
                    ["user"] = author,
                }, reply);
                break;
            default:
                Assert.Equal($"/channels/{DiscordChannel}/messages", reply.Path);
                Assert.Equal("Bot " + DiscordBotToken, reply.Header("Authorization"));
                AssertJson(new JsonObject { ["content"] = message, ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() } }, reply);
                break;
        }

        await AssertNoMoreAsync(fake, 1);
    }

    /// <summary>
    /// Someone the requester lists leave out is refused without a word on the platform: a post would let anyone who can
    /// type in a channel or comment on an issue make the bot speak, and would tell them more than "not permitted".
    /// </summary>
    [Theory]
    [InlineData("github", "mallory")]
    [InlineData("slack", "U9")]
    [InlineData("discord", "999")]
    public async Task Rejection_RequesterNotPermitted_403AndNothingPosted(string platform, string author)
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake, webhook: Policy));
        const string text = "run --project backend add tests";

        using var response = platform switch
        {
            "github" => await GitHubCommentAsync(host, text, author),
            "slack" => await SlackMentionAsync(host, text, author),
            _ => await DiscordRelayAsync(host, "!agent " + text, author),
        };

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("{\"error\":\"requester not permitted\"}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await AssertNoMoreAsync(fake, 0);
    }

    [Fact]
    public async Task SignedSlashCommandAndInteraction_Refused_AnsweredInResponseOnly()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake, webhook: Policy));

        using var slack = await SlackSlashAsync(host, "run --project frontend add tests");
        using var discord = await DiscordInteractionAsync(host, "run", "add tests", project: "frontend");

        Assert.Equal(HttpStatusCode.OK, slack.StatusCode);
        Assert.Equal(HttpStatusCode.OK, discord.StatusCode);
        using var slackBody = await RunnerHost.ReadJsonAsync(slack);
        Assert.Equal("ephemeral", slackBody.RootElement.GetProperty("response_type").GetString());
        Assert.StartsWith("Refused: no project matches", slackBody.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        await AssertNoMoreAsync(fake, 0);
    }
}
