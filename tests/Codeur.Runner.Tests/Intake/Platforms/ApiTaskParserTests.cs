using Codeur.Runner.Intake.Platforms;
using static Codeur.Runner.Tests.Intake.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Intake.Platforms;

public sealed class ApiTaskParserTests
{
    private static readonly TestParser Parser = For(new ApiTaskParser());

    [Fact]
    public void Parse_ArgsList_GivesCommandForCaller()
    {
        var request = Command(Parser.Parse(Create("""{"command":"run","args":["Add auth to API"],"project":"backend"}""", Json, "token:ci")));

        Assert.Equal("api", request.Platform);
        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
        Assert.Equal("backend", request.ProjectHint);
        Assert.Equal("token:ci", request.Requester);
        Assert.Null(request.DedupeKey);
    }

    [Fact]
    public void Parse_ArgsString_IsOneUnsplitArgument()
    {
        var request = Command(Parser.Parse(Create("""{"command":"run","args":"don't split \"this\" | $(x)"}""", Json, "token:ci")));

        Assert.Equal(["don't split \"this\" | $(x)"], request.Args);
    }

    [Fact]
    public void Parse_NoArgs_GivesEmptyArgs()
    {
        Assert.Empty(Command(Parser.Parse(Create("""{"command":"analyze"}""", Json, "token:ci"))).Args);
    }

    [Fact]
    public void Parse_IdempotencyKey_ScopedToCaller()
    {
        var request = Command(Parser.Parse(Create("""{"command":"status"}""", Json, "token:ci", ("Idempotency-Key", "abc"))));

        Assert.Equal("api:token:ci:abc", request.DedupeKey);
    }

    [Fact]
    public void Parse_UnknownCommand_Rejected422()
    {
        var rejected = Rejected(Parser.Parse(Create("""{"command":"shell","args":["ls"]}""", Json, "token:ci")));

        Assert.Equal(422, rejected.Error.StatusCode);
        Assert.Contains("allowed: run, analyze, search, status, cancel", rejected.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"args":["x"]}""", "'command' is required")]
    [InlineData("""{"command":1}""", "'command' must be a string")]
    [InlineData("""{"command":"run","args":[1]}""", "'args' items must be strings")]
    [InlineData("""{"command":"run","args":{"a":1}}""", "'args' must be a string or a list of strings")]
    [InlineData("""{"command":"run",}""", "malformed JSON")]
    public void Parse_BadBody_400WithReason(string body, string reason)
    {
        var invalid = Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create(body, Json, "token:ci")));

        Assert.Equal(400, invalid.StatusCode);
        Assert.Contains(reason, invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKeys_400()
    {
        var invalid = Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create("""{"command":"status","command":"run"}""", Json, "token:ci")));

        Assert.Equal(400, invalid.StatusCode);
    }

    [Fact]
    public void Parse_InvalidUtf8_400()
    {
        byte[] body = [.. "{\"command\":\"run\",\"args\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = Parser.Parse(new PlatformRequest(body, Json, PlatformRequest.NoHeaders, "token:ci"));

        Assert.Equal(400, Assert.IsType<IntakeResult.Invalid>(result).StatusCode);
    }

    [Fact]
    public void Parse_FormBody_415()
    {
        Assert.Equal(415, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create("command=run", Form))).StatusCode);
    }
}
