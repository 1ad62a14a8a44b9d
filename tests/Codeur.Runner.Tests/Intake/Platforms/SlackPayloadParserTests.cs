using System.Text.Json;
using Codeur.Runner.Intake.Platforms;
using static Codeur.Runner.Tests.Intake.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Intake.Platforms;

public sealed class SlackPayloadParserTests
{
    private static readonly TestParser Parser = For(new SlackPayloadParser());

    // The fields Slack documents for a slash command request.
    private static string SlashCommand(string text) => FormEncode(
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", "T0001"),
        ("team_domain", "example"),
        ("channel_id", "C2147483705"),
        ("channel_name", "test"),
        ("user_id", "U2147483697"),
        ("user_name", "Steve"),
        ("command", "/agent"),
        ("text", text),
        ("api_app_id", "A123456"),
        ("response_url", "https://hooks.slack.com/commands/1234/5678"),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"));

    [Fact]
    public void Parse_SlashCommand_GivesCommandWithoutPrefix()
    {
        var request = Command(Parser.Parse(Create(SlashCommand("run 'Add auth to API'"), Form)));

        Assert.Equal("slack", request.Platform);
        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
        Assert.Equal("U2147483697", request.Requester);
        Assert.Equal("slack:13345224609.738474920.8088930838d88f008e0", request.DedupeKey);
        using var context = JsonDocument.Parse(request.ReplyContext!);
        Assert.Equal("https://hooks.slack.com/commands/1234/5678", context.RootElement.GetProperty("response_url").GetString());
        Assert.Equal("C2147483705", context.RootElement.GetProperty("channel_id").GetString());
        Assert.Equal("U2147483697", context.RootElement.GetProperty("user_id").GetString());
    }

    [Fact]
    public void Parse_SlashCommandWithProjectAndPlusEncodedSpaces_Parsed()
    {
        var request = Command(Parser.Parse(Create("command=%2Fagent&user_id=U1&text=search+%22auth+token%22+--project%3Dapi", Form)));

        Assert.Equal("search", request.Command);
        Assert.Equal(["auth token"], request.Args);
        Assert.Equal("api", request.ProjectHint);
    }

    [Fact]
    public void Parse_SlashCommandUnknownCommand_RejectedWithResponseUrl()
    {
        var rejected = Rejected(Parser.Parse(Create(SlashCommand("deploy"), Form)));

        Assert.Equal(422, rejected.Error.StatusCode);
        Assert.Contains("allowed: run", rejected.Error.Message, StringComparison.Ordinal);
        Assert.Contains("hooks.slack.com", rejected.ReplyContext, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SslCheck_IgnoredNot400()
    {
        Assert.Equal("ssl_check", Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create("ssl_check=1&token=abc", Form))).Reason);
    }

    [Fact]
    public void Parse_SlashCommandWithoutUser_400()
    {
        Assert.Equal(400, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create("command=%2Fagent&text=run", Form))).StatusCode);
    }

    [Fact]
    public void Parse_UrlVerification_GivesChallenge()
    {
        const string body = """{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}""";

        var challenge = Assert.IsType<IntakeResult.Challenge>(Parser.Parse(Create(body)));

        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", challenge.Value);
    }

    private static string AppMention(string text, string extra = "") => $$"""
        {"token":"ZZZZZZWSxiZZZ2yIvs3peJ","team_id":"T061EG9R6","api_app_id":"A0MDYCDME",
         "event":{"type":"app_mention","user":"U061F7AUR","text":{{JsonSerializer.Serialize(text)}},"ts":"1515449522.000016",
                  "channel":"C0LAN2Q65","event_ts":"1515449522000016"{{extra}}},
         "type":"event_callback","event_id":"Ev0LAN670R","event_time":1515449522000016,"authed_users":["U0LAN0Z89"]}
        """;

    [Fact]
    public void Parse_AppMention_StripsMentionAndDedupesOnEventId()
    {
        var request = Command(Parser.Parse(Create(AppMention("<@U0LAN0Z89> run 'Add auth to API'"))));

        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
        Assert.Equal("U061F7AUR", request.Requester);
        Assert.Equal("slack:Ev0LAN670R", request.DedupeKey);
        Assert.Equal(0, request.RetryNumber);
        using var context = JsonDocument.Parse(request.ReplyContext!);
        Assert.Equal("C0LAN2Q65", context.RootElement.GetProperty("channel_id").GetString());
        Assert.Equal("1515449522.000016", context.RootElement.GetProperty("thread_ts").GetString());
    }

    [Fact]
    public void Parse_AppMentionWithPrefixAndEscapes_Decoded()
    {
        var request = Command(Parser.Parse(Create(AppMention("<@U0LAN0Z89|agent> !agent run 'a &amp;&amp; b &gt; c'", ",\"thread_ts\":\"1.2\""))));

        Assert.Equal(["a && b > c"], request.Args);
        Assert.Contains("\"thread_ts\":\"1.2\"", request.ReplyContext, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AppMentionRetry_ExposesRetryNumberAndSameDedupeKey()
    {
        var first = Command(Parser.Parse(Create(AppMention("<@U0LAN0Z89> status"))));
        var retry = Command(Parser.Parse(Create(AppMention("<@U0LAN0Z89> status"), Json, null, ("X-Slack-Retry-Num", "2"), ("X-Slack-Retry-Reason", "http_timeout"))));

        Assert.Equal(2, retry.RetryNumber);
        Assert.Equal(first.DedupeKey, retry.DedupeKey);
    }

    [Fact]
    public void Parse_AppMentionFromBot_Ignored()
    {
        Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create(AppMention("<@U0LAN0Z89> run x", ",\"bot_id\":\"B1\""))));
    }

    [Fact]
    public void Parse_OtherEvent_Ignored()
    {
        const string body = """{"type":"event_callback","event_id":"Ev1","event":{"type":"message","user":"U1","text":"!agent run x"}}""";

        Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create(body)));
    }

    [Fact]
    public void Parse_WorkflowRelay_GivesCommand()
    {
        const string body = """{"text":"!agent run 'Add auth to API' --project backend","user_id":"U123","channel_id":"C456"}""";

        var request = Command(Parser.Parse(Create(body, Json, "token:slack-workflow")));

        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
        Assert.Equal("backend", request.ProjectHint);
        Assert.Equal("U123", request.Requester);
        Assert.Contains("\"channel_id\":\"C456\"", request.ReplyContext, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://hooks.slack.com/commands/1")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://hooks.slack.com.evil.example/x")]
    [InlineData("https://hooks.slack.com:8443/x")]
    public void Parse_RelayResponseUrlNotSlack_Dropped(string url)
    {
        var body = $$"""{"text":"!agent status","user_id":"U1","channel_id":"C1","response_url":"{{url}}"}""";

        var request = Command(Parser.Parse(Create(body)));

        Assert.DoesNotContain("response_url", request.ReplyContext, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RelayResponseUrlOnSlack_Kept()
    {
        var request = Command(Parser.Parse(Create("""{"text":"!agent status","user_id":"U1","response_url":"https://hooks.slack.com/actions/T1/2/x"}""")));

        Assert.Contains("\"response_url\":\"https://hooks.slack.com/actions/T1/2/x\"", request.ReplyContext, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeedWorkflowRelayWithoutPrefix_TheTextIsTheCommand()
    {
        var request = Command(Parser.Parse(Create("""{"text": "run Add tests", "user_id": "U1", "channel_id": "C1"}""")));

        Assert.Equal("run", request.Command);
        Assert.Equal(["Add", "tests"], request.Args);
        Assert.Equal("U1", request.Requester);
        Assert.Equal("C1", request.Channel);
        Assert.True(request.IsRelay);
    }

    [Fact]
    public void Parse_RelayNotACommand_422WhenParsed()
    {
        Assert.Equal(422, Rejected(Parser.Parse(Create("""{"text":"hello","user_id":"U1","channel_id":"C1"}"""))).Error.StatusCode);
    }

    [Fact]
    public void Parse_MalformedJson_400()
    {
        Assert.Equal(400, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create("{\"type\":\"url_verif"))).StatusCode);
    }

    [Fact]
    public void Parse_WrongContentType_415()
    {
        Assert.Equal(415, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create("text=run", "text/plain"))).StatusCode);
    }

    [Fact]
    public void Parse_OverlongUserId_400()
    {
        var body = FormEncode(("command", "/agent"), ("user_id", new string('U', 1000)), ("text", "run x"));

        Assert.Equal(400, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create(body, Form))).StatusCode);
    }
}
