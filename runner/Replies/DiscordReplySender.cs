using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Codeur.Configuration;

namespace Codeur.Runner.Replies;

/// <summary>
/// Discord: while the interaction token lives (15 minutes) follow-up messages (<c>POST /webhooks/{app}/{token}</c>)
/// and edits of the original response; after that, or for relayed messages, channel messages with
/// <c>discord_bot_token</c>. Messages are at most 2000 characters; nobody is ever pinged.
/// </summary>
internal sealed partial class DiscordReplySender(HttpClient http, AgentConfig config, TimeProvider time) : IReplySender
{
    public const int MaxContent = 2000;

    /// <summary>Messages one reply may take (longer output is cut, with a pointer to the full log).</summary>
    public const int MaxMessages = 4;

    /// <summary>An interaction token is valid 15 minutes; a margin keeps a slow attempt from landing after that.</summary>
    public static readonly TimeSpan InteractionLifetime = TimeSpan.FromMinutes(14);

    private readonly string _api = config.Webhook.Replies.DiscordApiUrl.TrimEnd('/');
    private readonly string? _token = config.Webhook.DiscordBotToken;

    public string Platform => "discord";

    public async Task<ReplyDelivery> SendAsync(StoredReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var context = ReplyContext.Parse(reply.Reply.Context);
        var content = reply.Reply.Content;
        var application = Snowflake(context["application_id"]);
        var interaction = context["interaction_token"] is { } t && InteractionToken().IsMatch(t) ? t : null;
        var live = application is not null && interaction is not null && time.GetUtcNow() - content.ReceivedAt < InteractionLifetime;
        var channel = Snowflake(context["channel_id"]);
        var messages = ReplyText.Render(content, MaxContent, reply.Reply.Kind == ReplyKind.Progress ? 1 : MaxMessages);

        if (reply.Reply.Kind == ReplyKind.Progress)
        {
            if (live)
            {
                return await SendAsync(HttpMethod.Patch, $"/webhooks/{application}/{interaction}/messages/@original", Message(messages[0], false), bot: false, cancellationToken);
            }

            return Snowflake(reply.AckRef) is { } ack && channel is not null && _token is not null
                ? await SendAsync(HttpMethod.Patch, $"/channels/{channel}/messages/{ack}", Message(messages[0], false), bot: true, cancellationToken)
                : ReplyDelivery.Sent(null);
        }

        string path;
        var bot = false;
        if (live && reply.Reply.Kind != ReplyKind.Ack)
        {
            path = $"/webhooks/{application}/{interaction}";
        }
        else if (_token is null)
        {
            return ReplyDelivery.GiveUp("the interaction token has expired (or there is none) and discord_bot_token is not configured");
        }
        else if (channel is null)
        {
            return ReplyDelivery.GiveUp("the task has no Discord channel to post to");
        }
        else
        {
            path = $"/channels/{channel}/messages";
            bot = true;
        }

        string? first = null;
        foreach (var text in messages)
        {
            var result = await SendAsync(HttpMethod.Post, path, Message(text, content.Private && !bot), bot, cancellationToken);
            if (!result.Delivered)
            {
                return result;
            }

            first ??= result.MessageRef;
        }

        return ReplyDelivery.Sent(first);
    }

    private static JsonObject Message(string text, bool ephemeral)
    {
        var message = new JsonObject
        {
            ["content"] = text,

            // Output may contain @everyone or user mentions: never let a reply ping anyone.
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        };
        if (ephemeral)
        {
            message["flags"] = 64;
        }

        return message;
    }

    private async Task<ReplyDelivery> SendAsync(HttpMethod method, string path, JsonObject body, bool bot, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, _api + path) { Content = JsonContent.Create(body) };
        if (bot)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _token);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (PlatformResponse.Failure(response, $"Discord {method}") is { } failure)
        {
            return failure;
        }

        var message = await PlatformResponse.ReadJsonAsync(response, cancellationToken);
        return ReplyDelivery.Sent(message?["id"]?.ToString());
    }

    private static string? Snowflake(string? value) => value is not null && SnowflakeId().IsMatch(value) ? value : null;

    [GeneratedRegex("^[0-9]{1,20}$")]
    private static partial Regex SnowflakeId();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,1024}$")]
    private static partial Regex InteractionToken();
}
