using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// The Gemini API (<c>POST /v1beta/models/{model}:generateContent</c>, and <c>:streamGenerateContent?alt=sse</c>
/// streamed as server-sent events) replaying one fixed conversation with the real Gemini CLI: the model calls
/// <c>write_file</c> to create a file, then <c>replace</c> to edit it, then says it is done. The step is the number of
/// <c>functionResponse</c> parts the request carries; requests without the file tools (the CLI's routing and
/// next-speaker checks, which ask for JSON) get a plain answer.
/// </summary>
internal sealed class ScriptedGeminiServer : ScriptedModelServer
{
    private ScriptedGeminiServer()
    {
    }

    public static Task<ScriptedGeminiServer> StartAsync(IPAddress address, int port) => StartAsync(new ScriptedGeminiServer(), address, port);

    protected override async Task RespondAsync(HttpContext context, string body)
    {
        var path = context.Request.Path.Value ?? "";
        if (context.Request.Method == "POST" && path.EndsWith(":countTokens", StringComparison.Ordinal))
        {
            await context.Response.WriteAsJsonAsync(new { totalTokens = 100 });
            return;
        }

        var streaming = path.EndsWith(":streamGenerateContent", StringComparison.Ordinal);
        if (context.Request.Method != "POST" || !(streaming || path.EndsWith(":generateContent", StringComparison.Ordinal)))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { error = new { code = 404, message = "not scripted", status = "NOT_FOUND" } });
            return;
        }

        var request = JsonNode.Parse(body)!.AsObject();
        var declared = (request["tools"] as JsonArray ?? []).SelectMany(t => t?["functionDeclarations"] as JsonArray ?? [])
            .Select(f => f?["name"]?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        JsonObject[] parts;
        if (!declared.Contains("write_file") || !declared.Contains("replace"))
        {
            var wantsJson = request["generationConfig"]?["responseMimeType"]?.GetValue<string>() == "application/json";
            parts = [Text(wantsJson ? """{"reasoning":"scripted","next_speaker":"user","model_choice":"flash"}""" : "Greeting file")];
        }
        else
        {
            var step = (request["contents"] as JsonArray ?? []).Sum(c => (c?["parts"] as JsonArray ?? []).Count(p => p?["functionResponse"] is not null));
            parts = step switch
            {
                0 => [Text("I will create the file."), Call("write_file", new JsonObject { ["file_path"] = FileName, ["content"] = Created })],
                1 => [Call("replace", new JsonObject
                {
                    ["file_path"] = FileName, ["instruction"] = "Mark the greeting as edited.",
                    ["old_string"] = "scripted model.", ["new_string"] = "scripted model, edited.",
                })],
                _ => [Text("Done: created and edited " + FileName + ".")],
            };
        }

        var response = new JsonObject
        {
            ["candidates"] = new JsonArray(new JsonObject
            {
                ["content"] = new JsonObject { ["role"] = "model", ["parts"] = new JsonArray([.. parts]) },
                ["finishReason"] = "STOP", ["index"] = 0,
            }),
            ["usageMetadata"] = new JsonObject { ["promptTokenCount"] = 100, ["candidatesTokenCount"] = 20, ["totalTokenCount"] = 120 },
            ["modelVersion"] = "gemini-scripted", ["responseId"] = "scripted-" + NextId(),
        };
        if (!streaming)
        {
            await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
            return;
        }

        // alt=sse: one event per chunk; the text first, then the call with the finish reason, as the real API splits them.
        context.Response.ContentType = "text/event-stream";
        if (parts.Length > 1)
        {
            var first = (JsonObject)response.DeepClone();
            first["candidates"]![0]!["content"]!["parts"] = new JsonArray(parts[0].DeepClone());
            first["candidates"]![0]!.AsObject().Remove("finishReason");
            await EventAsync(context, null, first.ToJsonString());
            response["candidates"]![0]!["content"]!["parts"] = new JsonArray([.. parts.Skip(1).Select(p => p.DeepClone())]);
        }

        await EventAsync(context, null, response.ToJsonString());
    }

    private static JsonObject Text(string text) => new() { ["text"] = text };

    private static JsonObject Call(string name, JsonObject args) => new() { ["functionCall"] = new JsonObject { ["name"] = name, ["args"] = args } };
}
