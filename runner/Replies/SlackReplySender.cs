using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Codeur.Configuration;

namespace Codeur.Runner.Replies;

/// <summary>
/// Slack: a slash command's <c>response_url</c> while it lives (30 minutes; <c>in_channel</c> endings, <c>ephemeral</c>
/// refusals, <c>replace_original</c> progress), otherwise the Web API with <c>slack_bot_token</c>
/// (<c>chat.postMessage</c>, <c>chat.update</c>, <c>chat.postEphemeral</c>) in the task's channel and thread.
/// </summary>
internal sealed class SlackReplySender(HttpClient http, AgentConfig config, TimeProvider time) : IReplySender
{
    /// <summary>Slack's limit on a section block's text.</summary>
    public const int MaxSectionText = 3000;

    /// <summary>Sections per message we use (Slack allows 50 blocks; messages past about 40k characters are cut by Slack).</summary>
    public const int MaxSections = 12;

    /// <summary>How long Slack honours a response_url.</summary>
    public static readonly TimeSpan ResponseUrlLifetime = TimeSpan.FromMinutes(30);

    private static readonly HashSet<string> RetryableErrors = new(StringComparer.Ordinal)
    {
        "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    };

    private readonly string _api = config.Webhook.Replies.SlackApiUrl.TrimEnd('/');
    private readonly string _hooks = config.Webhook.Replies.SlackHooksUrl.TrimEnd('/');
    private readonly string? _token = config.Webhook.SlackBotToken;

    public string Platform => "slack";

    public async Task<ReplyDelivery> SendAsync(StoredReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var context = ReplyContext.Parse(reply.Reply.Context);
        var content = reply.Reply.Content;
        var responseUrl = ResponseUrl(context["response_url"], content.ReceivedAt);
        var channel = context["channel_id"];
        var message = Message(content);

        switch (reply.Reply.Kind)
        {
            case ReplyKind.Progress when responseUrl is not null:
                message["replace_original"] = true;
                return await PostResponseUrlAsync(responseUrl, message, cancellationToken);
            case ReplyKind.Progress when reply.AckRef is { } ts && channel is not null && _token is not null:
                message["channel"] = channel;
                message["ts"] = ts;
                return await CallAsync("chat.update", message, cancellationToken);
            case ReplyKind.Progress:
                return ReplyDelivery.Sent(null);
            case not ReplyKind.Ack when responseUrl is not null:
                message["response_type"] = content.Private ? "ephemeral" : "in_channel";
                message["replace_original"] = false;
                return await PostResponseUrlAsync(responseUrl, message, cancellationToken);
        }

        if (_token is null)
        {
            return ReplyDelivery.GiveUp("no live response_url and slack_bot_token is not configured");
        }

        if (channel is null)
        {
            return ReplyDelivery.GiveUp("the task has no Slack channel to post to");
        }

        message["channel"] = channel;
        if (content.Private && context["user_id"] is { } user)
        {
            message["user"] = user;
            return await CallAsync("chat.postEphemeral", message, cancellationToken);
        }

        if (context["thread_ts"] is { } thread)
        {
            message["thread_ts"] = thread;
        }

        return await CallAsync("chat.postMessage", message, cancellationToken);
    }

    /// <summary>mrkdwn sections: the headline and details, then the output in code blocks, then the log pointer.</summary>
    private static JsonObject Message(ReplyContent content)
    {
        var blocks = new JsonArray();
        foreach (var part in ReplyText.Render(content, MaxSectionText, MaxSections))
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Escape(part) },
            });
        }

        return new JsonObject { ["text"] = Escape(ReplyText.Cut(content.Headline, MaxSectionText)), ["blocks"] = blocks };
    }

    // https://api.slack.com/reference/surfaces/formatting#escaping: output must not become <!channel> mentions or links.
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private string? ResponseUrl(string? url, DateTimeOffset receivedAt)
    {
        if (url is null || time.GetUtcNow() - receivedAt >= ResponseUrlLifetime || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        // The parser only keeps https URLs on Slack's hosts; hooks.slack.com is re-based so tests can stand in for it.
        return string.Equals(uri.Host, "hooks.slack.com", StringComparison.OrdinalIgnoreCase) ? _hooks + uri.PathAndQuery : url;
    }

    private async Task<ReplyDelivery> PostResponseUrlAsync(string url, JsonObject message, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(url, message, cancellationToken);
        return PlatformResponse.Failure(response, "Slack response_url") ?? ReplyDelivery.Sent(null);
    }

    private async Task<ReplyDelivery> CallAsync(string method, JsonObject message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_api}/{method}") { Content = JsonContent.Create(message) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await http.SendAsync(request, cancellationToken);
        if (PlatformResponse.Failure(response, "Slack " + method) is { } failure)
        {
            return failure;
        }

        // The Web API answers 200 with {"ok": false, "error": "..."} for most failures.
        var body = await PlatformResponse.ReadJsonAsync(response, cancellationToken);
        if (body?["ok"]?.GetValue<bool>() == true)
        {
            return ReplyDelivery.Sent(body["ts"]?.GetValue<string>());
        }

        var error = body?["error"]?.GetValue<string>() ?? "unknown_error";
        return RetryableErrors.Contains(error)
            ? ReplyDelivery.Retry($"Slack {method}: {error}", PlatformResponse.RetryAfter(response.Headers.RetryAfter))
            : ReplyDelivery.GiveUp($"Slack {method}: {error}");
    }
}
