using System.Text.Json.Nodes;
using Codeur.Runner.Intake.Platforms;
using YamlDotNet.RepresentationModel;

namespace Codeur.IntegrationTests.Platforms;

/// <summary>
/// <c>deploy/platforms/slack/manifest.yaml</c> against our code: its URLs are the gateway's Slack route, its events
/// are exactly those the runner turns into commands, its slash command parses, and its scopes are exactly what the
/// slash command, the events and the reply sender's Web API methods need (no more).
/// </summary>
public sealed class SlackManifestTests
{
    // Slack's documented scope for each Web API method our replies call (runner/Replies/SlackReplySender.cs) and for
    // each event we subscribe to; `commands` is what any slash command needs.
    private static readonly Dictionary<string, string> MethodScopes = new()
    {
        ["chat.postMessage"] = "chat:write",
        ["chat.update"] = "chat:write",
        ["chat.postEphemeral"] = "chat:write",
    };

    private static readonly Dictionary<string, string> EventScopes = new() { ["app_mention"] = "app_mentions:read" };

    private static readonly YamlMappingNode Manifest = PlatformKit.Yaml("slack", "manifest.yaml");

    [Fact]
    public void Manifest_Urls_AreTheGatewaysSlackRoute()
    {
        var slash = (YamlMappingNode)Assert.Single(((YamlSequenceNode)PlatformKit.At(Manifest, "features", "slash_commands")).Children);
        Assert.Equal(PlatformKit.GatewayPath("slack"), PlatformKit.UrlPath(((YamlScalarNode)PlatformKit.At(slash, "url")).Value!));
        Assert.Equal(PlatformKit.GatewayPath("slack"), PlatformKit.UrlPath(((YamlScalarNode)PlatformKit.At(Manifest, "settings", "event_subscriptions", "request_url")).Value!));
    }

    [Fact]
    public void Manifest_BotEvents_AreExactlyThoseTheRunnerHandles()
    {
        var events = PlatformKit.Strings(PlatformKit.At(Manifest, "settings", "event_subscriptions", "bot_events")).ToHashSet();
        Assert.True(SlackPayloadParser.HandledEvents.SetEquals(events), string.Join(",", events));

        foreach (var type in events)
        {
            var body = new JsonObject
            {
                ["type"] = "event_callback",
                ["team_id"] = "T0123ABCD",
                ["event_id"] = "Ev0123",
                ["event"] = new JsonObject { ["type"] = type, ["user"] = "U024BE7LH", ["channel"] = "C0456EFGH", ["ts"] = "1.2", ["text"] = "<@U0LAN0Z89> run 'Add auth to API'" },
            };
            var result = Assert.IsType<IntakeResult.Addressed>(new SlackPayloadParser().Parse(PlatformKit.Request(body.ToJsonString(), "application/json"), PlatformKit.Commands));
            Assert.Equal("run", result.Input.Parse(PlatformKit.Commands).Line?.Command);
        }
    }

    [Fact]
    public void Manifest_SlashCommand_IsAgentAndParses()
    {
        var slash = (YamlMappingNode)Assert.Single(((YamlSequenceNode)PlatformKit.At(Manifest, "features", "slash_commands")).Children);
        var command = ((YamlScalarNode)PlatformKit.At(slash, "command")).Value!;
        Assert.Equal("/" + DiscordPayloadParser.CommandName, command);

        // Slack sends the text after the command, form-encoded.
        var form = $"command={Uri.EscapeDataString(command)}&text={Uri.EscapeDataString("run 'Add auth to API' --project demo")}&user_id=U024BE7LH&team_id=T0123ABCD&channel_id=C0456EFGH&trigger_id=1.2.3";
        var result = Assert.IsType<IntakeResult.Addressed>(new SlackPayloadParser().Parse(PlatformKit.Request(form, "application/x-www-form-urlencoded"), PlatformKit.Commands));
        var line = result.Input.Parse(PlatformKit.Commands).Line;
        Assert.NotNull(line);
        Assert.Equal("run", line.Command);
        Assert.Equal(["Add auth to API"], line.Args);
        Assert.Equal("demo", line.ProjectHint);
    }

    [Fact]
    public void Manifest_BotScopes_AreExactlyWhatWeUse()
    {
        var scopes = PlatformKit.Strings(PlatformKit.At(Manifest, "oauth_config", "scopes", "bot")).ToHashSet();
        var needed = MethodScopes.Values
            .Concat(PlatformKit.Strings(PlatformKit.At(Manifest, "settings", "event_subscriptions", "bot_events")).Select(e => EventScopes[e]))
            .Append("commands")
            .ToHashSet();
        Assert.True(needed.SetEquals(scopes), $"manifest: {string.Join(",", scopes)}; needed: {string.Join(",", needed)}");
    }

    [Fact]
    public void ReplySender_CallsOnlyMethodsWithAKnownScope()
    {
        // The sender's methods, read from its source: a new Web API call without a scope in the table fails here.
        var source = File.ReadAllText(Path.Combine(EndToEnd.ServiceProcess.RepositoryRoot, "runner", "Replies", "SlackReplySender.cs"));
        var called = System.Text.RegularExpressions.Regex.Matches(source, "CallAsync\\(\"([a-zA-Z.]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(called);
        Assert.Subset(MethodScopes.Keys.ToHashSet(), called);
    }
}
