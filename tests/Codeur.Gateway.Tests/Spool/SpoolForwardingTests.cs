using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Codeur.Gateway.Tests.Spool;

/// <summary>The whole gateway on Kestrel, its runner away or answering 503, with a file spool.</summary>
public sealed class SpoolForwardingTests : IAsyncDisposable
{
    private const string Token = "spool-token-0123456789";
    private const string SlackSecret = "spool-slack-secret";
    private readonly string _spool = Directory.CreateTempSubdirectory("codeur-spool-gw-").FullName;

    private string Config(int maxEntries = 100) => $"""
          auth_token: "{Token}"
          slack_signing_secret: "{SlackSecret}"
          slack: {"{"}teams: ["*"]{"}"}
          spool: {"{"}backend: file, path: "{_spool}", max_entries: {maxEntries}{"}"}
        """;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_spool, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Submission_RunnerUnreachable_Answered202AndStoredWithoutCredentials()
    {
        await using var gateway = await GatewayHost.StartAsync(Config());
        var body = "{\"command\":\"run\",\"args\":[\"x\"],\"project\":\"backend\"}"u8.ToArray();
        using var request = Sign.Post("/api/tasks", body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        request.Headers.Add("Idempotency-Key", "k-1");
        request.Headers.Add("X-Codeur-Spooled-At", "forged");
        request.Headers.Add("X-Unrelated", "dropped");

        using var response = await gateway.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("spooled", json.RootElement.GetProperty("status").GetString());
        var id = json.RootElement.GetProperty("spool_id").GetString()!;
        var file = Assert.Single(Directory.GetFiles(_spool, "*.req"));
        Assert.Contains(id, file, StringComparison.Ordinal);
        using var stored = JsonDocument.Parse(await File.ReadAllBytesAsync(file, Ct));
        Assert.Equal(body, stored.RootElement.GetProperty("body").GetBytesFromBase64());
        Assert.Equal("token:default", stored.RootElement.GetProperty("identity").GetString());
        var headers = stored.RootElement.GetProperty("headers").EnumerateObject().Select(h => h.Name.ToLowerInvariant()).ToList();
        Assert.Contains("idempotency-key", headers);
        Assert.DoesNotContain("authorization", headers);
        Assert.DoesNotContain("x-codeur-spooled-at", headers);
        Assert.DoesNotContain("x-unrelated", headers);
        var text = await File.ReadAllTextAsync(file, Ct);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayHost.InternalToken, text, StringComparison.Ordinal);

        var audit = await gateway.AuditAsync();
        var spooled = Assert.Single(audit, a => a.GetProperty("event").GetString() == "webhook_spooled");
        Assert.Equal(id, spooled.GetProperty("spool_id").GetString());
        Assert.Equal("runner_unreachable", spooled.GetProperty("reason").GetString());

        using var health = await gateway.Client.GetAsync("/health", Ct);
        var healthText = await health.Content.ReadAsStringAsync(Ct);
        Assert.True(health.StatusCode == HttpStatusCode.OK, healthText);
        using var healthJson = JsonDocument.Parse(healthText);
        Assert.Equal("degraded", healthJson.RootElement.GetProperty("status").GetString());
        Assert.StartsWith("1 requests spooled", healthJson.RootElement.GetProperty("components").GetProperty("spool").GetProperty("description").GetString(), StringComparison.Ordinal);

        // /status while the runner is away: the contract's 502 error, with what waits in the spool beside it.
        using var status = new HttpRequestMessage(HttpMethod.Get, "/status");
        status.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var statusResponse = await gateway.Client.SendAsync(status, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, statusResponse.StatusCode);
        using var statusJson = JsonDocument.Parse(await statusResponse.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, statusJson.RootElement.GetProperty("spool").GetProperty("entries").GetInt32());
        Assert.False(string.IsNullOrEmpty(statusJson.RootElement.GetProperty("error").GetString()));
    }

    /// <summary>
    /// The runner dedupes on <c>X-Codeur-Request-Id</c> and treats <c>X-Codeur-Spooled-At</c> as "nobody waits"
    /// (SpooledIntakeTests shows both work when they reach it): a client who could set them could make another
    /// caller's request a "duplicate", or silence its answer. The gateway sets its own and drops the client's.
    /// </summary>
    [Fact]
    public async Task Submission_ClientForgedRequestIdAndSpooledAt_NeverReachTheRunner()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config(), upstream.Address);
        const string Forged = "0123456789abcdef0123456789abcdef";
        using var request = Api();
        request.Headers.Add("X-Codeur-Request-Id", Forged);
        request.Headers.Add("X-Codeur-Spooled-At", DateTimeOffset.UtcNow.ToString("O"));
        request.Content!.Headers.Add("X-Codeur-Request-Id", Forged);

        using var response = await gateway.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var headers = upstream.Forwarded().Headers;
        Assert.Matches("^[0-9a-f]{32}$", headers["X-Codeur-Request-Id"]);
        Assert.NotEqual(Forged, headers["X-Codeur-Request-Id"]);
        Assert.False(headers.ContainsKey("X-Codeur-Spooled-At"));
    }

    [Fact]
    public async Task SlackSlashCommand_RunnerUnreachable_TheImmediateMessageSlackShows()
    {
        await using var gateway = await GatewayHost.StartAsync(Config());
        using var response = await gateway.Client.SendAsync(Slack("command=%2Fagent&text=run+x&user_id=U1&channel_id=C1", "application/x-www-form-urlencoded"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Queued; starting shortly.", json.RootElement.GetProperty("text").GetString());
        Assert.Single(Directory.GetFiles(_spool, "*.req"));
    }

    [Fact]
    public async Task HandshakesAndReads_RunnerUnreachable_NotSpooled()
    {
        await using var gateway = await GatewayHost.StartAsync(Config());

        // Slack's URL check wants its challenge back now; a 202 later would fail the app's configuration.
        using var challenge = await gateway.Client.SendAsync(Slack("{\"type\":\"url_verification\",\"challenge\":\"c\"}", "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadGateway, challenge.StatusCode);

        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/abc");
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var readResponse = await gateway.Client.SendAsync(read, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, readResponse.StatusCode);

        using var cancel = Sign.Post("/api/tasks/abc/cancel", []);
        cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var cancelResponse = await gateway.Client.SendAsync(cancel, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, cancelResponse.StatusCode);
        Assert.Empty(Directory.GetFiles(_spool, "*.req"));
    }

    [Fact]
    public async Task SpoolFull_503WithRetryAfterAndHealthUnhealthy()
    {
        await using var gateway = await GatewayHost.StartAsync(Config(maxEntries: 1));
        using var first = await gateway.Client.SendAsync(Api(), Ct);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var second = await gateway.Client.SendAsync(Api(), Ct);
        await ResponseAssert.ErrorAsync(second, HttpStatusCode.ServiceUnavailable);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        using var health = await gateway.Client.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    [Fact]
    public async Task RunnerAnswers503ThenRecovers_SpooledThenDrainedOnceWithTheSameRequestId()
    {
        await using var runner = await ToggleRunner.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Config(), runner.Address);
        var body = "{\"command\":\"run\",\"args\":[\"drained\"]}"u8.ToArray();

        using var response = await gateway.Client.SendAsync(Api(body), Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("spool_id", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // The first attempt reached the runner (503) with a request id; the drain carries the same id.
        var first = Assert.Single(runner.Requests);
        Assert.False(first.Headers.ContainsKey("X-Codeur-Spooled-At"));
        runner.Available = true;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!runner.Requests.Any(r => r.Headers.ContainsKey("X-Codeur-Spooled-At")))
        {
            Assert.True(DateTime.UtcNow < deadline, "the spooled request was never forwarded");
            await Task.Delay(50, Ct);
        }

        var drained = Assert.Single(runner.Requests, r => r.Headers.ContainsKey("X-Codeur-Spooled-At"));
        Assert.Equal(first.Headers["X-Codeur-Request-Id"], drained.Headers["X-Codeur-Request-Id"]);
        Assert.Equal(body, drained.Body);
        Assert.Equal(GatewayHost.InternalToken, drained.Headers["X-Codeur-Internal-Token"]);
        Assert.Equal("token:default", drained.Headers["X-Codeur-Identity"]);
        Assert.Equal("bearer", drained.Headers["X-Codeur-Auth"]);
        Assert.Equal("api", drained.Headers["X-Codeur-Platform"]);
        Assert.False(drained.Headers.ContainsKey("Authorization"));

        var audit = await gateway.AuditAsync(2);
        Assert.Contains(audit, a => a.GetProperty("event").GetString() == "webhook_drained" && a.GetProperty("status").GetInt32() == 202);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Directory.GetFiles(_spool, "*.req").Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the drained entry is still in the spool");
            await Task.Delay(50, Ct);
        }

        // With the spool empty and the runner up, requests go straight through again.
        using var direct = await gateway.Client.SendAsync(Api(), Ct);
        Assert.Contains("task_id", await direct.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // The runner's /status, with the gateway's spool added.
        using var status = new HttpRequestMessage(HttpMethod.Get, "/status");
        status.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var statusResponse = await gateway.Client.SendAsync(status, Ct);
        using var statusJson = JsonDocument.Parse(await statusResponse.Content.ReadAsStringAsync(Ct));
        Assert.Equal("t-1", statusJson.RootElement.GetProperty("task_id").GetString());
        Assert.Equal(JsonValueKind.Number, statusJson.RootElement.GetProperty("spool").GetProperty("entries").ValueKind);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Api(byte[]? body = null)
    {
        var request = Sign.Post("/api/tasks", body ?? "{\"command\":\"status\"}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }

    private static HttpRequestMessage Slack(string body, string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = Sign.Post("/webhook/slack", bytes, contentType);
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Slack-Signature", Sign.Slack(SlackSecret, timestamp, bytes));
        return request;
    }

    /// <summary>A runner stand-in on Kestrel that answers 503 to submissions until <see cref="Available"/>, and records them.</summary>
    private sealed class ToggleRunner : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ToggleRunner(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public volatile bool Available;

        public System.Collections.Concurrent.ConcurrentQueue<RecordedRequest> Requests { get; } = new();

        public static async Task<ToggleRunner> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var self = new ToggleRunner(app);
            app.Run(async context =>
            {
                if (context.Request.Path == "/health")
                {
                    context.Response.StatusCode = self.Available ? 200 : 503;
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                self.Requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
                context.Response.StatusCode = self.Available ? StatusCodes.Status202Accepted : StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsJsonAsync(self.Available ? new { task_id = "t-1" } : (object)new { error = "not ready" });
            });
            await app.StartAsync(Ct);
            self.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return self;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
