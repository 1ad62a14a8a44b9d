using System.Text.Json;
using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// Discord: interactions (PING and the <c>/agent</c> application command with options <c>command</c>,
/// <c>task</c> or <c>arguments</c>, <c>project</c>) and the relay JSON <c>{content, author, channel_id}</c>.
/// </summary>
internal sealed class DiscordPayloadParser : IPlatformParser
{
    public const string CommandName = "agent";
    private const int PingType = 1;
    private const int ApplicationCommandType = 2;
    private const int SubCommandOptionType = 1;

    private const string Platform = "discord";

    string IPlatformParser.Platform => Platform;

    public IntakeResult Parse(PlatformRequest request, CommandLineParser commands)
    {
        using var document = Payload.ReadJsonObject(request, out var error);
        if (document is null)
        {
            return error!;
        }

        var root = document.RootElement;
        try
        {
            if (Payload.Get(root, "type") is { ValueKind: JsonValueKind.Number } type)
            {
                return type.TryGetInt32(out var value) ? ParseInteraction(request, root, value) : IntakeResult.Malformed("'type' is not an interaction type");
            }

            return Payload.Get(root, "content") is not null
                ? ParseRelay(request, root)
                : IntakeResult.Malformed("expected a Discord interaction or a relay body {content,author,channel_id}");
        }
        catch (PayloadException ex)
        {
            return IntakeResult.Malformed(ex.Message);
        }
    }

    private static IntakeResult ParseInteraction(PlatformRequest request, JsonElement root, int type)
    {
        if (type == PingType)
        {
            return IntakeResult.Ping.Instance;
        }

        if (type != ApplicationCommandType)
        {
            return new IntakeResult.Ignored($"interaction type {type} is not handled");
        }

        var data = Payload.Get(root, "data") ?? throw new PayloadException("application command has no 'data'");
        var name = Payload.String(data, "name");
        if (!string.Equals(name, CommandName, StringComparison.OrdinalIgnoreCase))
        {
            return new IntakeResult.Ignored($"application command '{name}' is not ours");
        }

        var user = Payload.Get(root, "member", "user") ?? Payload.Get(root, "user");
        var userId = user is { } u ? Payload.Id(u, "id") : null;
        if (userId is null)
        {
            return IntakeResult.Malformed("interaction has no 'member.user.id' or 'user.id'");
        }

        var options = ReadOptions(data);
        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = userId,
            Workspace = Payload.Id(root, "guild_id"),
            Channel = Payload.Id(root, "channel_id"),
            IsRelay = !request.Signed,
            DedupeKey = Payload.Id(root, "id") is { } id ? $"{Platform}:{id}" : null,
            ReplyContext = Payload.ReplyContext(
                ("application_id", Payload.Id(root, "application_id")),
                ("interaction_token", Payload.String(root, "token", 1024)),
                ("channel_id", Payload.Id(root, "channel_id"))),
        };

        var text = options.GetValueOrDefault("task") ?? options.GetValueOrDefault("arguments");
        return new IntakeResult.Addressed(template, new CommandInput.Parts(options.GetValueOrDefault("command"), text is null ? [] : [text], options.GetValueOrDefault("project")));
    }

    /// <summary>Flattens the options into name → value; a sub-command (<c>/agent run task:...</c>) supplies <c>command</c>.</summary>
    private static Dictionary<string, string> ReadOptions(JsonElement data)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Payload.Get(data, "options") is not { ValueKind: JsonValueKind.Array } options)
        {
            return result;
        }

        foreach (var option in options.EnumerateArray())
        {
            var name = Payload.String(option, "name");
            if (name is null)
            {
                continue;
            }

            if (Payload.Get(option, "type") is { ValueKind: JsonValueKind.Number } t && t.TryGetInt32(out var type) && type == SubCommandOptionType)
            {
                result.TryAdd("command", name);
                foreach (var (key, nested) in ReadOptions(option))
                {
                    result.TryAdd(key, nested);
                }

                continue;
            }

            if (Payload.Get(option, "value") is { } value && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                result.TryAdd(name, value.ValueKind == JsonValueKind.String ? Payload.String(option, "value", Payload.MaxTextLength)! : value.GetRawText());
            }
        }

        return result;
    }

    /// <summary>A bot relaying a channel message: the relay is a command channel, so the prefix is optional.</summary>
    private static IntakeResult ParseRelay(PlatformRequest request, JsonElement root)
    {
        string? requester;
        var author = Payload.Get(root, "author");
        switch (author)
        {
            case { ValueKind: JsonValueKind.String }:
                requester = Payload.String(root, "author");
                break;
            case { ValueKind: JsonValueKind.Object } a:
                if (Payload.Bool(a, "bot"))
                {
                    return new IntakeResult.Ignored("bot messages may not trigger commands");
                }

                requester = Payload.Id(a, "id") ?? Payload.String(a, "username");
                break;
            default:
                requester = null;
                break;
        }

        requester ??= request.Identity;
        if (requester is null)
        {
            return IntakeResult.Malformed("relay body needs 'author' (a string or {id, username})");
        }

        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = requester,
            Workspace = Payload.Id(root, "guild_id"),
            Channel = Payload.Id(root, "channel_id"),
            IsRelay = true,
            DedupeKey = Payload.Id(root, "message_id") is { } messageId ? $"{Platform}:{messageId}" : null,
            ReplyContext = Payload.ReplyContext(
                ("channel_id", Payload.Id(root, "channel_id")),
                ("message_id", Payload.Id(root, "message_id"))),
        };
        var text = Payload.String(root, "content", Payload.MaxTextLength);
        return string.IsNullOrWhiteSpace(text)
            ? new IntakeResult.Ignored("relay content is empty")
            : new IntakeResult.Addressed(template, new CommandInput.Text(text, RequirePrefix: false));
    }
}
