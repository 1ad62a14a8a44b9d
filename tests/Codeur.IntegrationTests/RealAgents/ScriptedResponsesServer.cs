using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// The OpenAI Responses API (<c>POST /v1/responses</c>, streamed as server-sent events) replaying one fixed
/// conversation with the real Codex CLI: the model runs a shell command that creates a file, then one that edits it,
/// then says it is done. The step is read from the request (how many <c>function_call_output</c> items it carries);
/// the shell tool's name and argument shape are taken from the tools the CLI declares (code mode's <c>exec</c>, which takes
/// JavaScript calling <c>tools.exec_command</c>, or a plain shell function). Records every request.
/// </summary>
internal sealed class ScriptedResponsesServer : IAsyncDisposable
{
    public const string FileName = "GREETING.md";
    public const string Edited = "# Greeting\n\nHello from the scripted model, edited.\n";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<(string Path, IReadOnlyDictionary<string, string> Headers, string Body)> _requests = [];
    private int _ids;

    private ScriptedResponsesServer(WebApplication app) => _app = app;

    public IReadOnlyList<(string Path, IReadOnlyDictionary<string, string> Headers, string Body)> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<ScriptedResponsesServer> StartAsync(IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedResponsesServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        lock (_gate)
        {
            _requests.Add((context.Request.Method + " " + context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        }

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
                ["type"] = "message", ["role"] = "assistant", ["id"] = "msg_" + Interlocked.Increment(ref _ids),
                ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "Done: created and edited " + FileName + ".", ["annotations"] = new JsonArray() }),
            });
        }

        var id = "resp_scripted_" + Interlocked.Increment(ref _ids);
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
                ["type"] = "custom_tool_call", ["id"] = "ctc_" + Interlocked.Increment(ref _ids), ["call_id"] = "call_" + Interlocked.Increment(ref _ids),
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
                ["type"] = "function_call", ["id"] = "fc_" + Interlocked.Increment(ref _ids), ["call_id"] = "call_" + Interlocked.Increment(ref _ids),
                ["name"] = c.Name, ["arguments"] = c.Arguments.ToJsonString(),
            }
            : null;
    }

    private static async Task EventAsync(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync($"event: {data["type"]!.GetValue<string>()}\ndata: {data.ToJsonString()}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
