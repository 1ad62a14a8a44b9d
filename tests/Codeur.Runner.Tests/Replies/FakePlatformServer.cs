using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Codeur.Runner.Tests.Replies;

/// <summary>
/// GitHub, Slack and Discord in one: a real Kestrel server on a loopback port that records every request (method,
/// path, headers, body) and answers like the platform (a comment or message id, Slack's <c>{"ok":true,"ts"}</c>),
/// or, when told, with a 500, a 429 with <c>Retry-After</c>, or not at all (a hang).
/// </summary>
internal sealed class FakePlatformServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Queue<Func<HttpContext, Task>> _script = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _nextId = 5000;

    private FakePlatformServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<FakePlatformServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakePlatformServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        server.BaseUrl = app.Urls.Single().TrimEnd('/');
        return server;
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (with <c>Retry-After</c> seconds when given).</summary>
    public void FailNext(int status, int count = 1, int? retryAfterSeconds = null)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _script.Enqueue(async context =>
                {
                    context.Response.StatusCode = status;
                    if (retryAfterSeconds is { } seconds)
                    {
                        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }

                    await context.Response.WriteAsJsonAsync(new { message = "scripted failure" });
                });
            }
        }
    }

    /// <summary>Forgets scripted answers not yet used: from now on every request succeeds.</summary>
    public void ClearScript()
    {
        lock (_gate)
        {
            _script.Clear();
        }
    }

    /// <summary>The next request is held open without an answer until the client gives up (or the server stops).</summary>
    public void HangNext()
    {
        lock (_gate)
        {
            _script.Enqueue(async context =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
                try
                {
                    await Task.Delay(Timeout.Infinite, linked.Token);
                }
                catch (OperationCanceledException)
                {
                }
            });
        }
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> recorded requests match, and returns them.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForAsync(Func<RecordedRequest, bool> match, int count = 1, TimeSpan? bound = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(bound ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = Requests.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            try
            {
                await Task.Delay(25, deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                var seen = string.Join("\n", Requests.Select(r => $"{r.Method} {r.Path} {r.Body}"));
                throw new TimeoutException($"expected {count} matching requests; the fake platform saw {Requests.Count}:\n{seen}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Func<HttpContext, Task>? scripted;
        long id;
        lock (_gate)
        {
            id = ++_nextId;
            _requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body, DateTimeOffset.UtcNow, id));
            _script.TryDequeue(out scripted);
        }

        if (scripted is not null)
        {
            await scripted(context);
            return;
        }

        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/commands/", StringComparison.Ordinal))
        {
            // Slack's response_url answers a bare "ok".
            await context.Response.WriteAsync("ok");
        }
        else if (path.StartsWith("/chat.", StringComparison.Ordinal))
        {
            await context.Response.WriteAsJsonAsync(new { ok = true, channel = "C1", ts = $"1700000000.{id:000000}" });
        }
        else if (path.StartsWith("/repos/", StringComparison.Ordinal))
        {
            // GitHub: comment ids are numbers.
            context.Response.StatusCode = context.Request.Method == "POST" ? 201 : 200;
            await context.Response.WriteAsJsonAsync(new { id });
        }
        else
        {
            // Discord: snowflakes are strings.
            await context.Response.WriteAsJsonAsync(new { id = id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
    }
}

/// <summary>One request the fake platform received; <see cref="Id"/> is what it answered as the new comment or message id.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At, long Id)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
