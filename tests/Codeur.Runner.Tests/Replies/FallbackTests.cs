using Codeur.Configuration;
using Codeur.Runner.Replies;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Replies;

/// <summary>
/// The platform clients on their own, against the recording fake, with a fake clock: what happens once Slack's
/// response_url (30 minutes) or Discord's interaction token (15 minutes) has expired.
/// </summary>
public sealed class FallbackTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Received = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Received);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakePlatformServer _fake = null!;

    public async ValueTask InitializeAsync() => _fake = await FakePlatformServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Discord_InteractionTokenExpired_ChannelMessageWithBotToken()
    {
        var sender = new DiscordReplySender(_http, Config(discordBotToken: "bot-token-1234"), _time);
        _time.Advance(TimeSpan.FromMinutes(16));

        var result = await sender.SendAsync(Ending("discord", """{"application_id":"11","interaction_token":"tok","channel_id":"22"}"""), TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal("/channels/22/messages", request.Path);
        Assert.Equal("Bot bot-token-1234", request.Header("Authorization"));
        Assert.Equal("Task `t1` succeeded.", request.Json.GetProperty("content").GetString());
        Assert.Equal(request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), result.MessageRef);
    }

    [Fact]
    public async Task Discord_InteractionTokenExpiredAndNoBotToken_GivenUpWithReason()
    {
        var sender = new DiscordReplySender(_http, Config(), _time);
        _time.Advance(TimeSpan.FromMinutes(16));

        var result = await sender.SendAsync(Ending("discord", """{"application_id":"11","interaction_token":"tok","channel_id":"22"}"""), TestContext.Current.CancellationToken);

        Assert.False(result.Delivered);
        Assert.True(result.Permanent);
        Assert.Contains("discord_bot_token", result.Error, StringComparison.Ordinal);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task Slack_ResponseUrlExpired_ChatPostMessageInChannelWithBotToken()
    {
        var sender = new SlackReplySender(_http, Config(slackBotToken: "xoxb-9-9-bottoken"), _time);
        _time.Advance(TimeSpan.FromMinutes(31));

        var result = await sender.SendAsync(Ending("slack", """{"response_url":"https://hooks.slack.com/commands/T/1/x","channel_id":"C9","user_id":"U1"}"""), TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal("/chat.postMessage", request.Path);
        Assert.Equal("Bearer xoxb-9-9-bottoken", request.Header("Authorization"));
        Assert.Equal("C9", request.Json.GetProperty("channel").GetString());
        Assert.Equal("Task `t1` succeeded.", request.Json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Slack_WebApiSaysNotInChannel_GivenUpNotRetried()
    {
        var sender = new SlackReplySender(_http, Config(slackBotToken: "xoxb-9-9-bottoken"), _time);
        _fake.FailNext(200);

        var result = await sender.SendAsync(Ending("slack", """{"channel_id":"C9"}"""), TestContext.Current.CancellationToken);

        // The scripted 200 carries no {"ok":true}: Slack's way of saying the call failed.
        Assert.False(result.Delivered);
        Assert.True(result.Permanent);
        Assert.Equal("Slack chat.postMessage: unknown_error", result.Error);
    }

    [Fact]
    public async Task GitHub_404_GivenUpNotRetried()
    {
        var sender = new GitHubReplySender(_http, Config(githubToken: "gh-token-404"));
        _fake.FailNext(404);

        var result = await sender.SendAsync(Ending("github", """{"repository":"acme/backend","issue_number":7}"""), TestContext.Current.CancellationToken);

        Assert.True(result.Permanent);
        Assert.Equal("GitHub POST comment: HTTP 404", result.Error);
    }

    [Fact]
    public async Task GitHub_RepositoryNameWithPathTricks_GivenUpWithoutARequest()
    {
        var sender = new GitHubReplySender(_http, Config(githubToken: "gh-token"));

        var result = await sender.SendAsync(Ending("github", """{"repository":"acme/../../admin","issue_number":7}"""), TestContext.Current.CancellationToken);

        Assert.True(result.Permanent);
        Assert.Empty(_fake.Requests);
    }

    private AgentConfig Config(string? githubToken = null, string? slackBotToken = null, string? discordBotToken = null) => new()
    {
        Webhook = new WebhookSection
        {
            GithubToken = githubToken,
            SlackBotToken = slackBotToken,
            DiscordBotToken = discordBotToken,
            Replies = new RepliesSection
            {
                GithubApiUrl = _fake.BaseUrl,
                SlackApiUrl = _fake.BaseUrl,
                SlackHooksUrl = _fake.BaseUrl,
                DiscordApiUrl = _fake.BaseUrl,
            },
        },
    };

    private static StoredReply Ending(string platform, string context) => new()
    {
        Id = 1,
        Reply = new OutgoingReply
        {
            Platform = platform,
            TaskId = "t1",
            Kind = ReplyKind.Ending,
            Context = context,
            Content = new ReplyContent { Headline = "Task `t1` succeeded.", ReceivedAt = Received },
        },
        ExpiresAt = Received.AddDays(1),
    };
}
