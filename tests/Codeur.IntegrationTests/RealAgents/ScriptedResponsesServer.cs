using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// The OpenAI Responses API (<c>POST /v1/responses</c>, streamed as server-sent events) replaying one fixed
/// conversation with the real Codex CLI: the model runs a shell command that creates a file, then one that edits it,
/// then says it is done. The step is read from the request (how many <c>function_call_output</c> items it carries);
/// the shell tool's name and argument shape are taken from the tools the CLI declares (code mode's <c>exec</c>, which takes
/// JavaScript calling <c>tools.exec_command</c>, or a plain shell function). Records every request.
/// </summary>
internal sealed class ScriptedResponsesServer : ScriptedModelServer
{
    private ScriptedResponsesServer()
    {
    }

    public static Task<ScriptedResponsesServer> StartAsync(IPAddress address, int port) => StartAsync(new ScriptedResponsesServer(), address, port);

    protected override async Task RespondAsync(HttpContext context, string body)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.EndsWith("/models", StringComparison.Ordinal))
        {
            await context.Response.WriteAsJsonAsync(new { data = Array.Empty<object>(), models = Array.Empty<object>() });
            return;
        }

        if (!path.EndsWith("/responses", StringComparison.Ordinal) || context.Request.Method != "POST")
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "not scripted", type = "invalid_request_error" } });
            return;
        }

        var request = JsonNode.Parse(body)!.AsObject();
        var inputItems = request["input"] as JsonArray ?? [];
        var step = inputItems.Count(i => i?["type"]?.GetValue<string>() is "function_call_output" or "custom_tool_call_output");

        // Tools come in the request's "tools", or (Codex 0.17x) in an "additional_tools" input item, nested in namespaces.
        var declared = (request["tools"] as JsonArray ?? []).Concat(inputItems.Where(i => i?["type"]?.GetValue<string>() == "additional_tools")
            .SelectMany(i => i?["tools"] as JsonArray ?? [])).ToList();
        var names = declared.Concat(declared.SelectMany(t => t?["tools"] as JsonArray ?? [])).Select(t => t?["name"]?.GetValue<string>())
            .Where(n => n is not null).ToHashSet(StringComparer.Ordinal);
        string[] scripts =
        [
            $"printf '# Greeting\\n\\nHello from the scripted model.\\n' > {FileName}",
            $"sed -i 's/scripted model\\./scripted model, edited./' {FileName}",
        ];
        var items = new List<JsonObject>();
        if (step < scripts.Length && ShellCall(names, scripts[step]) is { } call)
        {
            items.Add(call);
        }
        else
        {
            items.Add(new JsonObject
            {
                ["type"] = "message", ["role"] = "assistant", ["id"] = "msg_" + NextId(),
                ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "Done: created and edited " + FileName + ".", ["annotations"] = new JsonArray() }),
            });
        }

        var id = "resp_scripted_" + NextId();
        context.Response.ContentType = "text/event-stream";
        await EventAsync(context, new JsonObject { ["type"] = "response.created", ["response"] = new JsonObject { ["id"] = id } });
        foreach (var item in items)
        {
            await EventAsync(context, new JsonObject { ["type"] = "response.output_item.done", ["item"] = item });
        }

        await EventAsync(context, new JsonObject
        {
            ["type"] = "response.completed",
            ["response"] = new JsonObject
            {
                ["id"] = id,
                ["usage"] = new JsonObject
                {
                    ["input_tokens"] = 100, ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                    ["output_tokens"] = 20, ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 }, ["total_tokens"] = 120,
                },
            },
        });
    }

    /// <summary>A call of whichever shell tool the CLI declared, in that tool's argument shape.</summary>
    private JsonObject? ShellCall(HashSet<string?> tools, string script)
    {
        if (tools.Contains("exec"))
        {
            // Code mode: a custom tool taking JavaScript that calls the nested shell tool.
            return new JsonObject
            {
                ["type"] = "custom_tool_call", ["id"] = "ctc_" + NextId(), ["call_id"] = "call_" + NextId(),
                ["name"] = "exec", ["input"] = $"await tools.exec_command({new JsonObject { ["cmd"] = script }.ToJsonString()});",
            };
        }

        (string Name, JsonObject Arguments)? call =
            tools.Contains("shell_command") ? ("shell_command", new JsonObject { ["command"] = script })
            : tools.Contains("exec_command") ? ("exec_command", new JsonObject { ["cmd"] = script })
            : tools.Contains("shell") ? ("shell", new JsonObject { ["command"] = new JsonArray("bash", "-lc", script) })
            : null;
        return call is { } c
            ? new JsonObject
            {
                ["type"] = "function_call", ["id"] = "fc_" + NextId(), ["call_id"] = "call_" + NextId(),
                ["name"] = c.Name, ["arguments"] = c.Arguments.ToJsonString(),
            }
            : null;
    }

    private static Task EventAsync(HttpContext context, JsonObject data) => EventAsync(context, data["type"]!.GetValue<string>(), data.ToJsonString());
}
