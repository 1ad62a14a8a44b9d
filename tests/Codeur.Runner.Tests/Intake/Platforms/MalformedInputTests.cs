using System.Text;
using Codeur.Runner.Intake.Platforms;
using static Codeur.Runner.Tests.Intake.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Intake.Platforms;

/// <summary>Bad input never yields a 5xx: every truncation and byte flip of real payloads gets a 2xx/4xx-shaped result.</summary>
public sealed class MalformedInputTests
{
    public static TheoryData<string, string, string> Samples() => new()
    {
        { "github", Json, """{"action":"created","issue":{"number":1,"pull_request":{}},"comment":{"id":2,"body":"!agent run 'x y' --project a","user":{"login":"m","type":"User"},"author_association":"OWNER"},"repository":{"full_name":"o/r"},"sender":{"login":"m","type":"User"}}""" },
        { "github", Form, "payload=" + Uri.EscapeDataString("""{"action":"opened","pull_request":{"title":"api"}}""") },
        { "slack", Form, "command=%2Fagent&text=run+%27a+b%27&user_id=U1&channel_id=C1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id=t" },
        { "slack", Json, """{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"<@U2> run \"x\"","ts":"1.2","channel":"C1"}}""" },
        { "discord", Json, """{"id":"1","type":2,"token":"t","data":{"name":"agent","options":[{"name":"command","type":3,"value":"run"},{"name":"task","type":3,"value":"x"}]},"member":{"user":{"id":"9"}}}""" },
        { "discord", Json, """{"content":"!agent run 'Add auth to API'","author":{"id":"1","username":"n"},"channel_id":"2"}""" },
        { "api", Json, """{"command":"run","args":["a","b"],"project":"p"}""" },
    };

    private static readonly Dictionary<string, IPlatformParser> Parsers = new IPlatformParser[] { new GitHubPayloadParser(), new SlackPayloadParser(), new DiscordPayloadParser(), new ApiTaskParser() }
        .ToDictionary(p => p.Platform);

    private static PayloadReader Pipeline() => new();

    /// <summary>The pipeline's read and parse steps, the two that look at the bytes.</summary>
    private sealed class PayloadReader
    {
        private readonly Codeur.Runner.Intake.Commands.CommandLineParser _commands = Parser();

        public IntakeResult Parse(string platform, PlatformRequest request)
        {
            var result = Parsers[platform].Parse(request, _commands);
            if (result is IntakeResult.Addressed addressed && addressed.Input.Parse(_commands).Error is { } error)
            {
                Assert.InRange(error.StatusCode, 400, 499);
            }

            return result;
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_EveryTruncation_NeverThrowsOr5xx(string platform, string contentType, string body)
    {
        var pipeline = Pipeline();
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.IsType<IntakeResult.Addressed>(pipeline.Parse(platform, Request(bytes, contentType)));

        for (var length = 0; length < bytes.Length; length++)
        {
            AssertHandled(pipeline.Parse(platform, Request(bytes[..length], contentType)));
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_RandomByteFlips_NeverThrowOr5xx(string platform, string contentType, string body)
    {
        var pipeline = Pipeline();
        var random = new Random(20261129);
        var original = Encoding.UTF8.GetBytes(body);
        for (var round = 0; round < 500; round++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            AssertHandled(pipeline.Parse(platform, Request(bytes, contentType)));
        }
    }

    [Theory]
    [InlineData("api", """{"command":"run","args":["\uD83D^uD83D"],"project":"p"}""")]
    [InlineData("api", """{"command":"run\uDC00","args":["x"]}""")]
    [InlineData("github", """{"action":"\uD800opened","pull_request":{"title":"api"}}""")]
    [InlineData("discord", """{"content":"!agent run \uDFFF","author":"a","channel_id":"c"}""")]
    [InlineData("slack", """{"text":"!agent run \uD83D","user_id":"U1","channel_id":"C1"}""")]
    public void Parse_LoneSurrogateEscape_HandledNeverThrows(string platform, string body)
    {
        // Valid JSON syntax, invalid text: System.Text.Json throws InvalidOperationException on GetString (found as a
        // 500 by the reliability suite).
        var result = Pipeline().Parse(platform, Request(Encoding.UTF8.GetBytes(body), Json));

        AssertHandled(result);
        Assert.IsNotType<IntakeResult.Addressed>(result);
    }

    private static PlatformRequest Request(byte[] body, string contentType) =>
        new(body, contentType, PlatformRequest.NoHeaders, "token:fuzz");

    private static void AssertHandled(IntakeResult result)
    {
        switch (result)
        {
            case IntakeResult.Invalid invalid:
                Assert.InRange(invalid.StatusCode, 400, 499);
                break;
            default:
                Assert.NotNull(result);
                break;
        }
    }
}
