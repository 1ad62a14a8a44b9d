using System.Text.Json;
using Codeur.Runner.Intake.Platforms;
using static Codeur.Runner.Tests.Intake.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Intake.Platforms;

public sealed class DiscordPayloadParserTests
{
    private static readonly TestParser Parser = For(new DiscordPayloadParser());

    [Fact]
    public void Parse_Ping_GivesPing()
    {
        Assert.IsType<IntakeResult.Ping>(Parser.Parse(Create("""{"id":"1","application_id":"2","type":1,"token":"t","version":1}""")));
    }

    private const string GuildCommand = """
        {"app_permissions":"442368","application_id":"1199000000000000000","channel_id":"1150000000000000000",
         "data":{"id":"1200000000000000000","name":"agent","type":1,
                 "options":[{"name":"command","type":3,"value":"run"},
                            {"name":"task","type":3,"value":"Add auth to API; rm -rf / `x`"},
                            {"name":"project","type":3,"value":"backend"}]},
         "guild_id":"1100000000000000000","id":"1210000000000000000",
         "member":{"user":{"id":"80351110224678912","username":"nelly","global_name":"Nelly"},"roles":[]},
         "token":"aW50ZXJhY3Rpb246MTIxMDAwMDAwMDAwMDAwMDAwMA","type":2,"version":1}
        """;

    [Fact]
    public void Parse_ApplicationCommand_GivesCommandWithTaskAsOneArgument()
    {
        var request = Command(Parser.Parse(Create(GuildCommand)));

        Assert.Equal("discord", request.Platform);
        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API; rm -rf / `x`"], request.Args);
        Assert.Equal("backend", request.ProjectHint);
        Assert.Equal("80351110224678912", request.Requester);
        Assert.Equal("discord:1210000000000000000", request.DedupeKey);
        using var context = JsonDocument.Parse(request.ReplyContext!);
        Assert.Equal("1199000000000000000", context.RootElement.GetProperty("application_id").GetString());
        Assert.Equal("aW50ZXJhY3Rpb246MTIxMDAwMDAwMDAwMDAwMDAwMA", context.RootElement.GetProperty("interaction_token").GetString());
        Assert.Equal("1150000000000000000", context.RootElement.GetProperty("channel_id").GetString());
    }

    [Fact]
    public void Parse_DirectMessageCommandWithArgumentsOption_UsesUserId()
    {
        const string body = """
            {"id":"5","application_id":"6","channel_id":"7","token":"tok","type":2,
             "data":{"name":"agent","options":[{"name":"command","type":3,"value":"status"},{"name":"arguments","type":3,"value":"42"}]},
             "user":{"id":"99","username":"dm"}}
            """;

        var request = Command(Parser.Parse(Create(body)));

        Assert.Equal("status", request.Command);
        Assert.Equal(["42"], request.Args);
        Assert.Equal("99", request.Requester);
    }

    [Fact]
    public void Parse_SubCommandForm_GivesCommand()
    {
        const string body = """
            {"id":"5","type":2,"token":"tok","user":{"id":"99"},
             "data":{"name":"agent","options":[{"name":"search","type":1,"options":[{"name":"task","type":3,"value":"auth token"}]}]}}
            """;

        var request = Command(Parser.Parse(Create(body)));

        Assert.Equal("search", request.Command);
        Assert.Equal(["auth token"], request.Args);
    }

    [Fact]
    public void Parse_OtherApplicationCommand_Ignored()
    {
        Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create("""{"id":"1","type":2,"data":{"name":"ban"},"user":{"id":"1"}}""")));
    }

    [Fact]
    public void Parse_ComponentInteraction_Ignored()
    {
        Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create("""{"id":"1","type":3,"data":{"custom_id":"x"}}""")));
    }

    [Fact]
    public void Parse_CommandOptionMissing_Rejected()
    {
        const string body = """{"id":"1","type":2,"token":"t","data":{"name":"agent","options":[]},"user":{"id":"1"}}""";

        Assert.Equal(422, Rejected(Parser.Parse(Create(body))).Error.StatusCode);
    }

    [Fact]
    public void Parse_RelaySpecExample_GivesRunWithTask()
    {
        const string body = """{"content":"!agent run 'Add auth to API'","author":"nelly#0001","channel_id":"1150000000000000000"}""";

        var request = Command(Parser.Parse(Create(body, Json, "token:discord-relay")));

        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth to API"], request.Args);
        Assert.Equal("nelly#0001", request.Requester);
    }

    [Fact]
    public void Parse_RelayWithAuthorObject_UsesId()
    {
        const string body = """{"content":"!agent analyze","author":{"id":"80351110224678912","username":"nelly"},"channel_id":"1"}""";

        Assert.Equal("80351110224678912", Command(Parser.Parse(Create(body))).Requester);
    }

    [Fact]
    public void Parse_RelayFromBotAuthor_Ignored()
    {
        const string body = """{"content":"!agent analyze","author":{"id":"1","username":"b","bot":true},"channel_id":"1"}""";

        Assert.IsType<IntakeResult.Ignored>(Parser.Parse(Create(body)));
    }

    [Fact]
    public void Parse_RelayWithoutPrefix_TheTextIsTheCommand()
    {
        var request = Command(Parser.Parse(Create("""{"content":"run 'Add auth'","author":"x","channel_id":"1"}""")));

        Assert.Equal("run", request.Command);
        Assert.Equal(["Add auth"], request.Args);
        Assert.True(request.IsRelay);
    }

    [Fact]
    public void Parse_FormBody_415()
    {
        Assert.Equal(415, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create("type=1", Form))).StatusCode);
    }

    [Theory]
    [InlineData("{\"type\":1")]
    [InlineData("{\"type\":\"ping\"}")]
    [InlineData("{\"id\":\"1\",\"type\":2,\"data\":{\"name\":\"agent\"}}")]
    public void Parse_MalformedOrIncomplete_400(string body)
    {
        Assert.Equal(400, Assert.IsType<IntakeResult.Invalid>(Parser.Parse(Create(body))).StatusCode);
    }
}
