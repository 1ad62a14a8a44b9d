using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Tests.Sandbox;
using Codeur.Runner.Workers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Codeur.Runner.Tests.Intake;

/// <summary>
/// The whole runner (its real Program) on a <see cref="TestServer"/>, configured by a temporary <c>.agent.yaml</c>
/// with one project, <c>backend</c>, in a temporary directory. The executor and the container engine are fakes,
/// so no Docker is needed; the queue is a real SQLite file.
/// </summary>
internal sealed class RunnerHost : IAsyncDisposable
{
    public const string InternalToken = "runner-http-test-token";
    public const string TokenHeader = "X-Codeur-Internal-Token";

    /// <summary>The longest any single wait in these tests may take.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _directory;
    private readonly bool _ownsDirectory;

    private RunnerHost(WebApplicationFactory<Program> factory, string directory, bool ownsDirectory, HttpClient client)
    {
        _factory = factory;
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Client = client;
    }

    /// <summary>A client that sends nothing by itself: every header is the test's choice.</summary>
    public HttpClient Client { get; }

    public ITaskQueue Queue => _factory.Services.GetRequiredService<ITaskQueue>();

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts the runner. <paramref name="extraConfig"/> is more <c>webhook:</c> keys (two-space indented lines);
    /// <paramref name="directory"/> reuses a directory (and its queue file) that outlives this host, as a restart would.
    /// </summary>
    public static async Task<RunnerHost> StartAsync(ITaskExecutor executor, int capacity = 1000, int workers = 2, string extraConfig = "", string? directory = null, string runnerOptions = "")
    {
        // Tests that do not look at replies must not send any to the real platforms: aim them at the discard port,
        // which refuses connections at once.
        if (!extraConfig.Contains("  replies:", StringComparison.Ordinal))
        {
            extraConfig += "\n  replies: {github_api_url: \"http://127.0.0.1:9\", slack_api_url: \"http://127.0.0.1:9\", slack_hooks_url: \"http://127.0.0.1:9\", discord_api_url: \"http://127.0.0.1:9\"}";
        }

        // Signed Slack and Discord requests are refused without a workspace allowlist; these tests are about other things.
        if (!extraConfig.Contains("\n  slack:", StringComparison.Ordinal) && !extraConfig.StartsWith("  slack:", StringComparison.Ordinal))
        {
            extraConfig += "\n  slack: {teams: [\"*\"]}";
        }

        if (!extraConfig.Contains("\n  discord:", StringComparison.Ordinal) && !extraConfig.StartsWith("  discord:", StringComparison.Ordinal))
        {
            extraConfig += "\n  discord: {guilds: [\"*\"]}";
        }

        var ownsDirectory = directory is null;
        directory ??= Directory.CreateTempSubdirectory("codeur-runner-http-").FullName;
        var project = Directory.CreateDirectory(Path.Combine(directory, "backend")).FullName;
        var configPath = Path.Combine(directory, ".agent.yaml");
        await File.WriteAllTextAsync(configPath, $$"""
            webhook:
              workers: {{workers}}
              auth_token: "irrelevant-here"
              runner: {internal_token: "{{InternalToken}}", shutdown_grace: 0, instance_id: "runner-http-tests"{{(runnerOptions.Length > 0 ? ", " + runnerOptions : "")}}}
              queue: {path: "{{Path.Combine(directory, "codeur.db")}}", capacity: {{capacity}}}
              audit: {path: "{{Path.Combine(directory, "audit.log")}}"}
              project_mapping:
                - {pattern: "^backend$|^acme/backend$", path: "{{project}}", name: "backend"}
            {{extraConfig}}
            """, TestContext.Current.CancellationToken);

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("config", configPath);
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton(executor);
                services.AddSingleton<IContainerRuntime>(new ScriptedRuntime());
            });
        });
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.Timeout = TimeSpan.FromSeconds(10);
        return new RunnerHost(factory, directory, ownsDirectory, client);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static ByteArrayContent Form(params (string Name, string Value)[] fields)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value)))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        return content;
    }

    /// <summary>A request as the gateway forwards it: the internal credential and the caller it verified.</summary>
    /// <param name="scopes">The token's scopes as the gateway forwards them (<c>X-Codeur-Scopes</c>); null sends none (the defaults apply).</param>
    public static HttpRequestMessage FromGateway(HttpMethod method, string path, HttpContent? content = null, string identity = "token:ci", string auth = "bearer", string? platform = null, string? scopes = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Add(TokenHeader, InternalToken);
        request.Headers.Add("X-Codeur-Identity", identity);
        request.Headers.Add("X-Codeur-Auth", auth);
        if (platform is not null)
        {
            request.Headers.Add("X-Codeur-Platform", platform);
        }

        if (scopes is not null)
        {
            request.Headers.Add("X-Codeur-Scopes", scopes);
        }

        return request;
    }

    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response)
    {
        var ct = TestContext.Current.CancellationToken;
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct).WaitAsync(Bound, ct);
    }

    /// <summary>Sends and disposes <paramref name="request"/>, within <see cref="Bound"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await Client.SendAsync(request, TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Queues <c>run TEXT</c> in <c>backend</c> through <c>POST /api/tasks</c> and returns the task id.</summary>
    public async Task<string> PostTaskAsync(string text)
    {
        using var response = await SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", Json(JsonSerializer.Serialize(new { command = "run", args = text, project = "backend" }))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        return body.RootElement.GetProperty("task_id").GetString()!;
    }

    /// <summary>Polls the queue until the task has ended, within <see cref="Bound"/>.</summary>
    public async Task<TaskRecord> WaitForFinalAsync(string id)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Bound);
        while (true)
        {
            if (await Queue.GetAsync(id, deadline.Token) is { } task && task.State.IsFinal())
            {
                return task;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        if (_ownsDirectory)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
