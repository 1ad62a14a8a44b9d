using System.Text.Json;
using System.Text.Json.Nodes;
using Codeur.Runner.Intake.Platforms;
using static Codeur.Runner.Tests.Intake.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Intake.Platforms;

public sealed class GitHubPayloadParserTests
{
    private const string Delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

    private static readonly TestParser Parser = For(new GitHubPayloadParser());

    // Trimmed from GitHub's documented issue_comment payload, with the fields we read kept as GitHub sends them.
    private static string IssueComment(string body = "!agent run 'Add auth to API'", string action = "created", string association = "OWNER",
        string senderType = "User", bool onPullRequest = false)
    {
        var issue = new JsonObject
        {
            ["url"] = "https://api.github.com/repos/octo-org/backend/issues/1347",
            ["number"] = 1347,
            ["title"] = "Found a bug",
            ["user"] = new JsonObject { ["login"] = "octocat", ["id"] = 1, ["type"] = "User" },
            ["state"] = "open",
            ["author_association"] = "OWNER",
        };
        if (onPullRequest)
        {
            issue["pull_request"] = new JsonObject { ["url"] = "https://api.github.com/repos/octo-org/backend/pulls/1347" };
        }

        return new JsonObject
        {
            ["action"] = action,
            ["issue"] = issue,
            ["comment"] = new JsonObject
            {
                ["id"] = 1_234_567_890L,
                ["html_url"] = "https://github.com/octo-org/backend/issues/1347#issuecomment-1234567890",
                ["user"] = new JsonObject { ["login"] = "monalisa", ["id"] = 2, ["type"] = senderType },
                ["created_at"] = "2026-11-29T02:00:00Z",
                ["author_association"] = association,
                ["body"] = body,
            },
            ["repository"] = new JsonObject { ["id"] = 1_296_269, ["name"] = "backend", ["full_name"] = "octo-org/backend", ["private"] = false },
            ["sender"] = new JsonObject { ["login"] = "monalisa", ["id"] = 2, ["type"] = senderType },
        }.ToJsonString();
    }

    private static IntakeResult Parse(string body, string eventName = "issue_comment", string? contentType = Json) =>
        Parser.Parse(Create(body, contentType, null, ("X-GitHub-Event", eventName), ("X-GitHub-Delivery", Delivery)));

    [Fact]
    public void Parse_CommandCommentOnIssue_GivesCommandWithContext()
    {
        var request = Command(Parse(IssueComment()));

        Assert.Equal("github", request.Platform);
        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
        Assert.Equal("monalisa", request.Requester);
        Assert.Equal("octo-org/backend", request.Repository);
        Assert.Equal("github:" + Delivery, request.DedupeKey);
        using var context = JsonDocument.Parse(request.ReplyContext!);
        Assert.Equal("octo-org/backend", context.RootElement.GetProperty("repository").GetString());
        Assert.Equal(1347, context.RootElement.GetProperty("issue_number").GetInt32());
        Assert.Equal(1_234_567_890L, context.RootElement.GetProperty("comment_id").GetInt64());
        Assert.False(context.RootElement.GetProperty("is_pull_request").GetBoolean());
    }

    [Fact]
    public void Parse_CommandCommentOnPullRequest_MarksPullRequest()
    {
        var request = Command(Parse(IssueComment("!agent analyze", onPullRequest: true)));

        Assert.Equal("analyze", request.Command);
        using var context = JsonDocument.Parse(request.ReplyContext!);
        Assert.True(context.RootElement.GetProperty("is_pull_request").GetBoolean());
    }

    [Theory]
    [InlineData("NONE")]
    [InlineData("CONTRIBUTOR")]
    [InlineData("FIRST_TIME_CONTRIBUTOR")]
    public void Parse_OutsiderComment_AssociationCarriedForAdmission(string association)
    {
        Assert.Equal(association, Command(Parse(IssueComment(association: association))).Association);
    }

    [Fact]
    public void Parse_ConfiguredAssociation_Triggers()
    {
        var parser = For(new GitHubPayloadParser(), TestRequests.Parser(w => w.Github.AllowedAssociations = ["CONTRIBUTOR"]));

        var result = parser.Parse(Create(IssueComment(association: "CONTRIBUTOR"), Json, null, ("X-GitHub-Event", "issue_comment")));

        Assert.Equal("run", Command(result).Command);
    }

    [Fact]
    public void Parse_BotComment_IgnoredUnlessAllowed()
    {
        var body = IssueComment(senderType: "Bot");

        Assert.Equal("bot senders may not trigger commands", Assert.IsType<IntakeResult.Ignored>(Parse(body)).Reason);
        var allowing = For(new GitHubPayloadParser(), TestRequests.Parser(w => w.Github.AllowBots = true));
        Command(allowing.Parse(Create(body, Json, null, ("X-GitHub-Event", "issue_comment"))));
    }

    [Theory]
    [InlineData("edited")]
    [InlineData("deleted")]
    public void Parse_CommentNotCreated_Ignored(string action)
    {
        var ignored = Assert.IsType<IntakeResult.Ignored>(Parse(IssueComment(action: action)));

        Assert.Contains(action, ignored.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OrdinaryComment_Ignored()
    {
        Assert.Equal("comment is not a command", Assert.IsType<IntakeResult.Ignored>(Parse(IssueComment("LGTM, thanks!"))).Reason);
    }

    [Fact]
    public void Parse_OutsiderOrdinaryComment_IgnoredAsNotACommand()
    {
        Assert.IsType<IntakeResult.Ignored>(Parse(IssueComment("nice", association: "NONE")));
    }

    [Fact]
    public void Parse_CommandWithBadQuoting_RejectedWithReplyContext()
    {
        var rejected = Rejected(Parse(IssueComment("!agent run 'oops")));

        Assert.Equal(422, rejected.Error.StatusCode);
        Assert.Equal("monalisa", rejected.Requester);
        Assert.Contains("1347", rejected.ReplyContext, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Ping_GivesPing()
    {
        const string body = """{"zen":"Keep it logically awesome.","hook_id":109948940,"hook":{"type":"Repository","id":109948940,"active":true,"events":["issue_comment"]}}""";

        Assert.IsType<IntakeResult.Ping>(Parse(body, "ping"));
    }

    [Fact]
    public void Parse_FormEncodedPayload_SameAsJson()
    {
        var form = FormEncode(("payload", IssueComment()));

        var request = Command(Parse(form, contentType: "application/x-www-form-urlencoded"));

        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
    }

    [Fact]
    public void Parse_FormWithoutPayload_400()
    {
        var invalid = Assert.IsType<IntakeResult.Invalid>(Parse("a=b", contentType: Form));

        Assert.Equal(400, invalid.StatusCode);
    }

    [Fact]
    public void Parse_SpecCiExampleWithoutEventHeader_GivesAnalyzeOnDefaultMapping()
    {
        const string body = """{"action":"opened","pull_request":{"number":7,"title":"Add API auth","head":{"ref":"feature/auth"}}}""";

        var request = Command(Parser.Parse(Create(body, Json, "token:default")));

        Assert.Equal("analyze", request.Command);
        Assert.Empty(request.Args);
        Assert.Null(request.Repository);
        Assert.Equal("token:default", request.Requester);
        Assert.Equal("Add API auth", request.RoutingText);
    }

    [Fact]
    public void Parse_SpecCiExampleMinimal_GivesAnalyze()
    {
        var request = Command(Parser.Parse(Create("""{"action":"opened","pull_request":{}}""", Json, "token:ci")));

        Assert.Equal("analyze", request.Command);
    }

    [Fact]
    public void Parse_CiBodyWithProject_UsesItAsHint()
    {
        var request = Command(Parser.Parse(Create("""{"action":"synchronize","pull_request":{},"project":"backend"}""", Json, "token:ci")));

        Assert.Equal("backend", request.ProjectHint);
    }

    [Fact]
    public void Parse_PullRequestEventFromGitHub_UsesBaseRepositoryAndSender()
    {
        const string body = """
            {"action":"synchronize","number":7,
             "pull_request":{"number":7,"title":"t","author_association":"MEMBER","user":{"login":"dev"},"base":{"repo":{"full_name":"octo-org/api"}}},
             "sender":{"login":"dev","type":"User"}}
            """;

        var request = Command(Parse(body, "pull_request"));

        Assert.Equal("octo-org/api", request.Repository);
        Assert.Equal("dev", request.Requester);
    }

    [Fact]
    public void Parse_PullRequestFromOutsider_AssociationCarriedForAdmission()
    {
        const string body = """{"action":"opened","pull_request":{"author_association":"NONE"},"sender":{"login":"x","type":"User"}}""";

        Assert.Equal("NONE", Command(Parse(body, "pull_request")).Association);
    }

    [Theory]
    [InlineData("pull_request", """{"action":"closed","pull_request":{}}""")]
    [InlineData("push", """{"ref":"refs/heads/main"}""")]
    [InlineData("issues", """{"action":"opened","issue":{}}""")]
    public void Parse_UnmappedEvent_Ignored(string eventName, string body)
    {
        Assert.Contains("not mapped", Assert.IsType<IntakeResult.Ignored>(Parse(body, eventName)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EventMappedByNameOnly_GivesCommand()
    {
        var parser = For(new GitHubPayloadParser(), TestRequests.Parser(w => w.Github.Events = new() { ["push"] = "status" }));

        var result = parser.Parse(Create("""{"ref":"refs/heads/main","repository":{"full_name":"o/r"}}""", Json, null, ("X-GitHub-Event", "push")));

        Assert.Equal("status", Command(result).Command);
    }

    [Fact]
    public void Parse_EventMappingEmptied_PullRequestIgnored()
    {
        var parser = For(new GitHubPayloadParser(), TestRequests.Parser(w => w.Github.Events = []));

        Assert.IsType<IntakeResult.Ignored>(parser.Parse(Create("""{"action":"opened","pull_request":{}}""")));
    }

    [Fact]
    public void Parse_BodyWithoutHeaderNotAnEvent_Ignored()
    {
        Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create("""{"hello":"world"}""")));
    }

    [Theory]
    [InlineData("{\"action\":")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public void Parse_MalformedJson_400(string body)
    {
        var invalid = Assert.IsType<IntakeResult.Invalid>(Parse(body));

        Assert.Equal(400, invalid.StatusCode);
    }

    [Fact]
    public void Parse_WrongFieldType_400WithFieldName()
    {
        var invalid = Assert.IsType<IntakeResult.Invalid>(Parse("""{"action":"created","issue":{},"comment":{"body":42}}"""));

        Assert.Equal(400, invalid.StatusCode);
        Assert.Contains("'body'", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeeplyNestedJson_400()
    {
        var body = new string('[', 100) + new string(']', 100);

        Assert.Equal(400, Assert.IsType<IntakeResult.Invalid>(Parse("{\"a\":" + body + "}")).StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData(null)]
    [InlineData("application/json; charset=latin1")]
    public void Parse_WrongContentType_415(string? contentType)
    {
        Assert.Equal(415, Assert.IsType<IntakeResult.Invalid>(Parse(IssueComment(), contentType: contentType)).StatusCode);
    }

    [Fact]
    public void Parse_JsonWithCharset_Accepted()
    {
        Command(Parse(IssueComment(), contentType: "application/json; charset=utf-8"));
    }
}
