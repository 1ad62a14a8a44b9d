using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// A vendor's model API on real Kestrel, replaying a fixed conversation: each subclass speaks one wire format and picks
/// its answer from the request itself (how many tool results it carries), so the CLI's own bookkeeping requests get a
/// plain answer. Records every request (method, path and query, headers, body) before answering it.
/// </summary>
internal abstract class ScriptedModelServer : IAsyncDisposable
{
    public const string FileName = "GREETING.md";
    public const string Created = "# Greeting\n\nHello from the scripted model.\n";
    public const string Edited = "# Greeting\n\nHello from the scripted model, edited.\n";

    /// <summary>The file a scripted review tries to write (a read-only checkout refuses it).</summary>
    public const string ReviewAttemptFile = "REVIEW-NOTES.md";

    /// <summary>What a scripted review answers.</summary>
    public const string ReviewText = "## Review\n\n- `app.py:1`: the greeting is hard-coded; read it from configuration.\n\nVerdict: fine to merge after that.";

    private readonly Lock _gate = new();
    private readonly List<ModelRequest> _requests = [];
    private WebApplication? _app;
    private int _ids;

    public IReadOnlyList<ModelRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts <paramref name="server"/> on <paramref name="address"/>:<paramref name="port"/>.</summary>
    protected static async Task<T> StartAsync<T>(T server, IPAddress address, int port)
        where T : ScriptedModelServer
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        server._app = app;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>Answers one recorded request; <paramref name="body"/> is its body, already read.</summary>
    protected abstract Task RespondAsync(HttpContext context, string body);

    /// <summary>A fresh number for ids in the replies.</summary>
    protected int NextId() => Interlocked.Increment(ref _ids);

    /// <summary>Writes one server-sent event (named when <paramref name="name"/> is given) and flushes it.</summary>
    protected static async Task EventAsync(HttpContext context, string? name, string data)
    {
        var text = name is null ? $"data: {data}\n\n" : $"event: {name}\ndata: {data}\n\n";
        await context.Response.WriteAsync(text, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        lock (_gate)
        {
            _requests.Add(new ModelRequest(context.Request.Method + " " + context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        }

        await RespondAsync(context, body);
    }
}
