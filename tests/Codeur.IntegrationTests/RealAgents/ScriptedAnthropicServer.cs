using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// The Anthropic Messages API (<c>POST /v1/messages</c>, streamed as server-sent events) replaying one fixed
/// conversation with the real Claude Code CLI: the model asks for a file to be created (<c>Write</c>), then edited
/// (<c>Edit</c>), then says it is done. Which step to answer is read from the request itself (how many
/// <c>tool_result</c> blocks it carries), so the CLI's own bookkeeping requests (no tools) get a plain text answer.
/// Records every request.
/// </summary>
internal sealed partial class ScriptedAnthropicServer : ScriptedModelServer
{
    private readonly bool _review;

    private ScriptedAnthropicServer(bool review) => _review = review;

    public static Task<ScriptedAnthropicServer> StartAsync(IPAddress address, int port) => StartAsync(new ScriptedAnthropicServer(review: false), address, port);

    /// <summary>
    /// A review instead: the model first tries to write <see cref="ReviewAttemptFile"/> (which a read-only checkout must
    /// refuse), then answers <see cref="ReviewText"/> whatever the tool said.
    /// </summary>
    public static Task<ScriptedAnthropicServer> StartReviewAsync(IPAddress address, int port) => StartAsync(new ScriptedAnthropicServer(review: true), address, port);

    protected override async Task RespondAsync(HttpContext context, string body)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.EndsWith("/count_tokens", StringComparison.Ordinal))
        {
            await context.Response.WriteAsJsonAsync(new { input_tokens = 100 });
            return;
        }

        if (!path.EndsWith("/v1/messages", StringComparison.Ordinal) || context.Request.Method != "POST")
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { type = "error", error = new { type = "not_found_error", message = "not scripted" } });
            return;
        }

        var request = JsonNode.Parse(body)!.AsObject();
        var model = request["model"]?.GetValue<string>() ?? "claude-scripted";
        var stream = request["stream"]?.GetValue<bool>() == true;
        var hasWrite = request["tools"] is JsonArray tools && tools.Any(t => t?["name"]?.GetValue<string>() == "Write");
        JsonObject[] content;
        string stop;
        if (!hasWrite)
        {
            content = [Text("Greeting file")];
            stop = "end_turn";
        }
        else
        {
            var file = WorkingDirectory().Match(body) is { Success: true } m ? m.Groups[1].Value.TrimEnd('/') + "/" + FileName : "/workspace/" + FileName;
            (content, stop) = _review
                ? ToolResults(request) switch
                {
                    0 => (new[] { Text("Let me note my findings in a file first."), ToolUse("Write", new JsonObject { ["file_path"] = file.Replace(FileName, ReviewAttemptFile, StringComparison.Ordinal), ["content"] = "notes\n" }) }, "tool_use"),
                    _ => (new[] { Text(ReviewText) }, "end_turn"),
                }
                : ToolResults(request) switch
                {
                    0 => (new[] { Text("I will create the file."), ToolUse("Write", new JsonObject { ["file_path"] = file, ["content"] = Created }) }, "tool_use"),
                    1 => (new[] { ToolUse("Edit", new JsonObject { ["file_path"] = file, ["old_string"] = "scripted model.", ["new_string"] = "scripted model, edited." }) }, "tool_use"),
                    _ => (new[] { Text("Done: created and edited " + FileName + ".") }, "end_turn"),
                };
        }

        var id = "msg_scripted_" + NextId();
        if (!stream)
        {
            await context.Response.WriteAsync(new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model,
                ["content"] = new JsonArray([.. content]), ["stop_reason"] = stop, ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = 100, ["output_tokens"] = 20 },
            }.ToJsonString(), context.RequestAborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await EventAsync(context, "message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["content"] = new JsonArray(),
                ["stop_reason"] = null, ["stop_sequence"] = null, ["usage"] = new JsonObject { ["input_tokens"] = 100, ["output_tokens"] = 1 },
            },
        });
        for (var i = 0; i < content.Length; i++)
        {
            var block = content[i];
            if (block["type"]!.GetValue<string>() == "text")
            {
                await EventAsync(context, "content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = i, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } });
                await EventAsync(context, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = block["text"]!.GetValue<string>() } });
            }
            else
            {
                var input = block["input"]!.ToJsonString();
                await EventAsync(context, "content_block_start", new JsonObject
                {
                    ["type"] = "content_block_start", ["index"] = i,
                    ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = block["id"]!.GetValue<string>(), ["name"] = block["name"]!.GetValue<string>(), ["input"] = new JsonObject() },
                });

                // Split the arguments across two deltas, as the real API streams them.
                var half = input.Length / 2;
                foreach (var part in new[] { input[..half], input[half..] })
                {
                    await EventAsync(context, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = part } });
                }
            }

            await EventAsync(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = i });
        }

        await EventAsync(context, "message_delta", new JsonObject
        {
            ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = stop, ["stop_sequence"] = null }, ["usage"] = new JsonObject { ["output_tokens"] = 20 },
        });
        await EventAsync(context, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static Task EventAsync(HttpContext context, string name, JsonObject data) => EventAsync(context, name, data.ToJsonString());

    private static int ToolResults(JsonObject request) =>
        request["messages"] is JsonArray messages
            ? messages.Sum(m => m?["content"] is JsonArray blocks ? blocks.Count(b => b?["type"]?.GetValue<string>() == "tool_result") : 0)
            : 0;

    private JsonObject ToolUse(string name, JsonObject input) => new()
    {
        ["type"] = "tool_use", ["id"] = "toolu_scripted_" + NextId(), ["name"] = name, ["input"] = input,
    };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };

    /// <summary>Claude Code names its working directory in the system prompt's environment section.</summary>
    [GeneratedRegex(@"[Ww]orking directory: (/[^\s""\\]+)")]
    private static partial Regex WorkingDirectory();
}
