using System.Text;
using System.Text.Json.Nodes;
using Codeur.Configuration;
using System.Diagnostics;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Platforms;
using Codeur.Runner.PlatformSetup;

namespace Codeur.IntegrationTests.Platforms;

/// <summary>
/// <c>Codeur.Runner discord register</c> against a recording stand-in for Discord's API: the exact request, the
/// token kept out of every output, and the command's shape checked against the parser that reads the interactions.
/// </summary>
public sealed class DiscordRegistrationTests
{
    private const string Token = "MTA5ODc2NTQzMjEw.GhIjKl.test-bot-token-value";
    private const string Application = "1098765432101234567";
    private const string Guild = "81384788765712384";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_Global_PostsTheAgentCommandWithTheBotToken()
    {
        await using var discord = await RecordingServer.StartAsync(201, _ => """{"id":"1200000000000000001","name":"agent"}""");
        var (code, output, error) = await RunAsync(["discord", "register", "--application-id", Application, "--api-url", discord.BaseAddress + "api/v10"], Token);

        Assert.Equal(0, code);
        var request = Assert.Single(discord.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/api/v10/applications/{Application}/commands", request.Path);
        Assert.Equal("Bot " + Token, request.Authorization);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.StartsWith("DiscordBot (", request.UserAgent, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(ExpectedCommand(global: true), JsonNode.Parse(request.Body)), request.Body);
        Assert.Contains("command id 1200000000000000001", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_Guild_PostsToTheGuildsCommands()
    {
        await using var discord = await RecordingServer.StartAsync(200, _ => """{"id":"1200000000000000002","name":"agent"}""");
        var (code, output, _) = await RunAsync(
            ["discord", "register", "--application-id", Application, "--guild-id", Guild, "--api-url", discord.BaseAddress.ToString()], Token);

        Assert.Equal(0, code);
        var request = Assert.Single(discord.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/applications/{Application}/guilds/{Guild}/commands", request.Path);
        Assert.Equal("Bot " + Token, request.Authorization);
        Assert.True(JsonNode.DeepEquals(ExpectedCommand(global: false), JsonNode.Parse(request.Body)), request.Body);
        Assert.Contains($"in guild {Guild}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_DiscordRefuses_ExitsNonZeroWithItsWordsAndNoToken()
    {
        // A hostile or broken stand-in echoes the credential back: it must still never reach the terminal.
        await using var discord = await RecordingServer.StartAsync(401, r => $$"""{"message":"401: Unauthorized","code":0,"echo":"{{r.Authorization}}"}""");
        var (code, output, error) = await RunAsync(["discord", "register", "--application-id", Application, "--api-url", discord.BaseAddress.ToString()], Token);

        Assert.Equal(1, code);
        Assert.Single(discord.Requests);
        Assert.Contains("401: Unauthorized", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, output + error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, Application, "DISCORD_BOT_TOKEN is not set")]
    [InlineData(Token, "1098/../../users/@me", "--application-id must be")]
    [InlineData(Token, "", "--application-id must be")]
    public async Task Register_BadInput_SendsNothing(string? token, string application, string message)
    {
        await using var discord = await RecordingServer.StartAsync(201, _ => "{}");
        var (code, _, error) = await RunAsync(["discord", "register", "--application-id", application, "--api-url", discord.BaseAddress.ToString()], token);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Empty(discord.Requests);
    }

    [Fact]
    public async Task Register_ThroughTheRunnerBinary_DispatchesOnArgv()
    {
        // The real entry point: `Codeur.Runner discord register ...` never starts the service, reads the token from
        // the environment only, and prints no secret.
        await using var discord = await RecordingServer.StartAsync(201, _ => """{"id":"1200000000000000003","name":"agent"}""");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "Codeur.Runner.dll"), "discord", "register", "--application-id", Application,
                     "--guild-id", Guild, "--api-url", discord.BaseAddress.ToString()])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DISCORD_BOT_TOKEN"] = Token;
        using var process = Process.Start(start)!;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        await process.WaitForExitAsync(deadline.Token);
        var result = (ExitCode: process.ExitCode, Output: await stdout, Error: await stderr);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var request = Assert.Single(discord.Requests);
        Assert.Equal($"/applications/{Application}/guilds/{Guild}/commands", request.Path);
        Assert.Equal("Bot " + Token, request.Authorization);
        Assert.Contains("Registered /agent in guild", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Definition_OffersExactlyTheCommandsTheRunnerKnows()
    {
        var choices = ExpectedCommand(global: true)["options"]![0]!["choices"]!.AsArray().Select(c => c!["value"]!.GetValue<string>()).ToHashSet();
        Assert.True(AgentConfigValidator.KnownCommands.SetEquals(choices), string.Join(",", choices));
        Assert.True(DiscordAgentCommand.MatchesKnownCommands());
    }

    [Fact]
    public void Definition_EveryChoiceAsDiscordSendsIt_ParsesToThatCommand()
    {
        // Build the interaction Discord sends when a user fills in the registered options, using the option names
        // from the registered definition: a renamed option on either side fails here.
        var definition = DiscordAgentCommand.Definition(global: true);
        var options = definition["options"]!.AsArray();
        var names = options.Select(o => o!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(DiscordPayloadParser.CommandName, definition["name"]!.GetValue<string>());
        var commands = new CommandLineParser(new IntakeSettings());

        foreach (var choice in options[0]!["choices"]!.AsArray().Select(c => c!["value"]!.GetValue<string>()))
        {
            var interaction = new JsonObject
            {
                ["type"] = 2,
                ["id"] = "1300000000000000001",
                ["application_id"] = Application,
                ["token"] = "interaction-token",
                ["guild_id"] = Guild,
                ["channel_id"] = "1300000000000000002",
                ["member"] = new JsonObject { ["user"] = new JsonObject { ["id"] = "1300000000000000003" } },
                ["data"] = new JsonObject
                {
                    ["name"] = definition["name"]!.GetValue<string>(),
                    ["type"] = 1,
                    ["options"] = new JsonArray(
                        new JsonObject { ["name"] = names[0], ["type"] = 3, ["value"] = choice },
                        new JsonObject { ["name"] = names[1], ["type"] = 3, ["value"] = "Add auth to API" },
                        new JsonObject { ["name"] = names[2], ["type"] = 3, ["value"] = "backend" }),
                },
            };
            var request = new PlatformRequest(Encoding.UTF8.GetBytes(interaction.ToJsonString()), "application/json", PlatformRequest.NoHeaders, Signed: true);

            var result = Assert.IsType<IntakeResult.Addressed>(new DiscordPayloadParser().Parse(request, commands));
            var line = result.Input.Parse(commands).Line;
            Assert.NotNull(line);
            Assert.Equal(choice, line.Command);
            Assert.Equal(["Add auth to API"], line.Args);
            Assert.Equal("backend", line.ProjectHint);
        }
    }

    private static JsonNode ExpectedCommand(bool global)
    {
        var command = JsonNode.Parse("""
            {
              "name": "agent",
              "type": 1,
              "description": "Ask the coding agent: run a task, analyze, search, status or cancel",
              "options": [
                {"type": 3, "name": "command", "description": "What to do", "required": true,
                 "choices": [{"name": "run", "value": "run"}, {"name": "analyze", "value": "analyze"}, {"name": "search", "value": "search"},
                             {"name": "status", "value": "status"}, {"name": "cancel", "value": "cancel"}]},
                {"type": 3, "name": "task", "description": "The task for run, the query for search, a task id for status or cancel", "required": false, "max_length": 6000},
                {"type": 3, "name": "project", "description": "The project, when the task text does not name it", "required": false, "max_length": 100}
              ]
            }
            """)!;
        if (global)
        {
            command["contexts"] = new JsonArray(0);
        }

        return command;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string? token)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PlatformSetupCommand.RunAsync(args, name => name == PlatformSetupCommand.TokenVariable ? token : null, output, error, Ct);
        return (code, output.ToString(), error.ToString());
    }
}
