using System.Text.Json.Nodes;
using Codeur.Configuration;
using Codeur.Runner.Intake.Platforms;

namespace Codeur.Runner.PlatformSetup;

/// <summary>
/// The <c>/agent</c> application command as Discord stores it: the shape <see cref="DiscordPayloadParser"/> reads
/// (name <c>agent</c>, options <c>command</c>, <c>task</c>, <c>project</c>), so what users can type is what we parse.
/// </summary>
internal static class DiscordAgentCommand
{
    /// <summary>Discord's option type for a string.</summary>
    public const int StringOption = 3;

    /// <summary>Discord's command type for a slash command (<c>CHAT_INPUT</c>).</summary>
    public const int ChatInput = 1;

    /// <summary>The <c>command</c> choices, in the order users see them; every command the runner knows.</summary>
    public static readonly IReadOnlyList<string> Commands = ["run", "analyze", "search", "status", "cancel"];

    /// <summary>Discord's limit on a string option's value.</summary>
    public const int MaxValueLength = 6000;

    public static JsonObject Definition(bool global)
    {
        var command = new JsonObject
        {
            ["name"] = DiscordPayloadParser.CommandName,
            ["type"] = ChatInput,
            ["description"] = "Ask the coding agent: run a task, analyze, search, status or cancel",
            ["options"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = StringOption,
                    ["name"] = "command",
                    ["description"] = "What to do",
                    ["required"] = true,
                    ["choices"] = new JsonArray([.. Commands.Select(c => (JsonNode)new JsonObject { ["name"] = c, ["value"] = c })]),
                },
                new JsonObject
                {
                    ["type"] = StringOption,
                    ["name"] = "task",
                    ["description"] = "The task for run, the query for search, a task id for status or cancel",
                    ["required"] = false,
                    ["max_length"] = MaxValueLength,
                },
                new JsonObject
                {
                    ["type"] = StringOption,
                    ["name"] = "project",
                    ["description"] = "The project, when the task text does not name it",
                    ["required"] = false,
                    ["max_length"] = 100,
                }),
        };

        if (global)
        {
            // Guild channels only (interaction context 0): a DM has no guild, and discord.guilds refuses it unless "*".
            command["contexts"] = new JsonArray(0);
        }

        return command;
    }

    /// <summary>True when the runner knows exactly the commands offered (a new command must be offered too).</summary>
    public static bool MatchesKnownCommands() => AgentConfigValidator.KnownCommands.SetEquals(Commands);
}
