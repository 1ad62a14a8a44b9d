using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;
using Codeur.Runner.Tests.Replies;
using Codeur.Tests.Shared;

namespace Codeur.Reliability.Tests.Faults;

/// <summary>
/// Issue 18: the runner goes away (SIGKILL, SIGTERM as an upgrade does) while signed GitHub, Slack and Discord
/// requests and API submissions keep arriving at a steady rate. With the gateway's spool no client sees a 5xx, every
/// request becomes exactly one task once the runner is back, in arrival order per project, and the replies reach
/// the platforms (a recording fake). The same when the gateway itself is killed with requests spooled, and with two
/// gateways on a Redis spool, one of them killed.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SpoolTests
{
    private const string GitHubToken = "spool-github-token-for-replies";
    private const string DiscordApplication = "1180000000000000002";

    [Fact]
    public Task RunnerKilledUnderSteadyLoad_NoClientSees5xxAndEveryRequestBecomesOneTaskInOrder() =>
        RunnerRestartAsync("spool_runner_sigkill", system => system.Runner!.KillAsync());

    [Fact]
    public Task RunnerTerminatedUnderSteadyLoad_NoClientSees5xxAndEveryRequestBecomesOneTaskInOrder() =>
        RunnerRestartAsync("spool_runner_sigterm", system => system.Runner!.TerminateAsync(TimeSpan.FromSeconds(30)));

    [Fact]
    public async Task GatewayKilledWhileItsSpoolHoldsRequests_RestartedGatewayDrainsEveryOneOnce()
    {
        await Suite.RequireDockerAsync();
        using var signer = new Signer();
        await using var fake = await FakePlatformServer.StartAsync();
        await using var system = await CodeurSystem.StartAsync(Config(signer, fake, "{backend: file, path: \"./spool\"}"));
        var sender = new Sender(system, signer);

        await system.Runner!.KillAsync();
        for (var n = 0; n < 12; n++)
        {
            await sender.SendAsync(system.Client);
        }

        Assert.All(sender.Sent, s => Assert.Equal("spooled", s.Answer));
        Assert.Equal(12, Directory.GetFiles(Path.Combine(system.Directory, "spool"), "*.req").Length);

        // The gateway dies holding them; the new one finds them on disk and forwards them once the runner is back.
        await system.Gateway!.KillAsync();
        await system.StartGatewayAsync();
        var health = await system.SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, "/health"), HttpStatusCode.OK);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.StartsWith("12 requests spooled", health.GetProperty("components").GetProperty("spool").GetProperty("description").GetString(), StringComparison.Ordinal);
        await system.StartRunnerAsync();

        var rows = await WaitTasksAsync(system, sender.Sent, TimeSpan.FromSeconds(60));
        var states = await AssertOnceInOrderAsync(system, sender.Sent, rows);
        await AssertRepliesAsync(fake, sender.Sent, rows, states);
        await WaitSpoolEmptyAsync(system.Client);
        Assert.Empty(Directory.GetFiles(Path.Combine(system.Directory, "spool"), "*.req"));
        var audit = await Suite.AuditAsync(system.AuditPath);
        Assert.Equal(12, audit.Count(a => a.GetProperty("event").GetString() == "webhook_spooled"));
        Assert.Equal(12, audit.Where(a => a.GetProperty("event").GetString() == "webhook_drained").Select(a => a.GetProperty("spool_id").GetString()).Distinct().Count());
        Suite.Report("spool_gateway_sigkill", new { spooled = 12, tasks = rows.Count, duplicates = 0, lost = 0 });
    }

    [Fact]
    public async Task TwoGatewaysOnRedisSpool_OneKilled_TheOtherDrainsItsRequests()
    {
        await Suite.RequireDockerAsync();
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        redis.RequireAvailable();
        using var signer = new Signer();
        await using var fake = await FakePlatformServer.StartAsync();
        await using var system = await CodeurSystem.StartAsync(Config(signer, fake, $"{{backend: redis, connection: \"{redis.Connection}\"}}"));

        // A second gateway on its own port, same config otherwise: same runner, same Redis spool.
        var port = FreePort();
        var secondConfig = Path.Combine(system.Directory, "gateway2.yaml");
        await File.WriteAllTextAsync(
            secondConfig,
            (await File.ReadAllTextAsync(system.ConfigPath, TestContext.Current.CancellationToken)).Replace($"port: {system.GatewayUrl.Port}", $"port: {port}", StringComparison.Ordinal),
            TestContext.Current.CancellationToken);
        await using var second = ServiceProcess.Start("Gateway", secondConfig, Path.Combine(system.Directory, "gateway2.log"), new Dictionary<string, string>
        {
            ["E2E_TOKEN"] = CodeurSystem.Token,
            ["E2E_GITHUB_SECRET"] = CodeurSystem.GitHubSecret,
            ["E2E_INTERNAL_TOKEN"] = CodeurSystem.InternalToken,
        });
        await second.WaitHealthyAsync(new Uri($"http://127.0.0.1:{port}/health"));
        using var secondClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var sender = new Sender(system, signer);
        await system.Runner!.KillAsync();
        for (var n = 0; n < 12; n++)
        {
            await sender.SendAsync(n % 2 == 0 ? system.Client : secondClient);
        }

        Assert.All(sender.Sent, s => Assert.Equal("spooled", s.Answer));

        // The first gateway dies (it may hold the drain lease); the second takes over its entries once the lease lapses.
        await system.Gateway!.KillAsync();
        await system.StartRunnerAsync();
        var rows = await WaitTasksAsync(system, sender.Sent, TimeSpan.FromSeconds(90));
        var states = await AssertOnceInOrderAsync(system, sender.Sent, rows);
        await AssertRepliesAsync(fake, sender.Sent, rows, states);
        await WaitSpoolEmptyAsync(secondClient);
        Suite.Report("spool_redis_two_gateways", new { spooled = 12, gateways = 2, killed = 1, tasks = rows.Count, duplicates = 0, lost = 0 });
    }

    private static async Task RunnerRestartAsync(string part, Func<CodeurSystem, Task> stop)
    {
        await Suite.RequireDockerAsync();
        using var signer = new Signer();
        await using var fake = await FakePlatformServer.StartAsync();
        await using var system = await CodeurSystem.StartAsync(Config(signer, fake, "{backend: file, path: \"./spool\"}"));
        var sender = new Sender(system, signer);
        using var stopSending = new CancellationTokenSource();
        var interval = TimeSpan.FromMilliseconds(100);

        // One sender, one request at a time at a steady rate: arrival order is the order sent.
        var sending = Task.Run(async () =>
        {
            var next = Stopwatch.GetTimestamp();
            while (!stopSending.IsCancellationRequested)
            {
                await sender.SendAsync(system.Client);
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, CancellationToken.None);
                }
            }
        }, TestContext.Current.CancellationToken);

        await WaitAsync(() => sender.Sent.Count >= 10, "direct requests before the stop");
        var window = Stopwatch.StartNew();
        await stop(system);
        await WaitAsync(() => sender.Sent.Count(s => s.Answer == "spooled") >= 8, "spooled requests while the runner is away");
        await system.StartRunnerAsync();
        var away = window.Elapsed;
        var count = sender.Sent.Count;
        await WaitAsync(() => sender.Sent.Count >= count + 10, "requests after the runner returned");
        await stopSending.CancelAsync();
        await sending;

        var sent = sender.Sent;
        var rows = await WaitTasksAsync(system, sent, TimeSpan.FromSeconds(120));
        var states = await AssertOnceInOrderAsync(system, sent, rows);
        await AssertRepliesAsync(fake, sent, rows, states);
        var drained = await WaitSpoolEmptyAsync(system.Client);
        var audit = await Suite.AuditAsync(system.AuditPath);
        var spooled = sent.Count(s => s.Answer == "spooled");
        Assert.Equal(spooled, audit.Count(a => a.GetProperty("event").GetString() == "webhook_spooled"));
        Suite.Report(part, new
        {
            requests = sent.Count,
            spooled,
            by_platform = sent.Where(s => s.Answer == "spooled").GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count()),
            runner_away_s = Math.Round(away.TotalSeconds, 2),
            client_5xx = 0,
            tasks = rows.Count,
            states = states.Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count()),
            duplicates = 0,
            lost = 0,
            spool_wait_mean_s = Math.Round(drained, 2),
        });
    }

    private static string Config(Signer signer, FakePlatformServer fake, string spool) => $"""
          slack_signing_secret: "{Signer.SlackSecret}"
          discord_public_key: "{signer.DiscordPublicKeyHex}"
          slack: {"{"}teams: ["*"]{"}"}
          discord: {"{"}guilds: ["*"]{"}"}
          github_token: "{GitHubToken}"
          discord_bot_token: "spool-discord-bot-token"
          replies:
            github_api_url: "{fake.BaseUrl}"
            slack_api_url: "{fake.BaseUrl}"
            slack_hooks_url: "{fake.BaseUrl}"
            discord_api_url: "{fake.BaseUrl}"
            request_timeout: 5
            progress_interval: 0
          spool: {spool}
        """;

    /// <summary>Every sent text is exactly one task; per project, tasks were created in the order the requests arrived.</summary>
    private static async Task<Dictionary<string, string>> AssertOnceInOrderAsync(CodeurSystem system, IReadOnlyList<SentRequest> sent, IReadOnlyList<TaskStore.Row> rows)
    {
        var byText = rows.GroupBy(r => TaskText(r)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var request in sent)
        {
            var tasks = byText.GetValueOrDefault(request.Text) ?? [];
            Assert.True(tasks.Count == 1, $"{request.Kind} request {request.Number} ({request.Answer}) became {tasks.Count} tasks");
        }

        Assert.Equal(sent.Count, rows.Count);
        foreach (var project in new[] { "backend", "frontend" })
        {
            var expected = sent.Where(s => s.Project == project).Select(s => s.Text).ToList();
            var actual = rows.Where(r => r.Project == project).Select(TaskText).ToList();
            Assert.Equal(expected, actual);
        }

        // A task running when the runner stopped ends interrupted (never re-run); every other one succeeds.
        var states = await Tasks.WaitAllFinalAsync(system, rows.Select(r => r.Id), TimeSpan.FromSeconds(180));
        Assert.All(states, s => Assert.Contains(s.Value, new[] { "succeeded", "interrupted" }));
        Assert.True(states.Count(s => s.Value == "interrupted") <= 2, "more tasks interrupted than workers");
        await Tasks.AssertEndedExactlyOnceAsync(system, states, rows.ToDictionary(r => r.Id, TaskText));
        return states;
    }

    /// <summary>Each GitHub, Slack and Discord request got its task's ending on its own thread, issue or interaction.</summary>
    private static async Task AssertRepliesAsync(FakePlatformServer fake, IReadOnlyList<SentRequest> sent, IReadOnlyList<TaskStore.Row> rows, Dictionary<string, string> states)
    {
        var ids = rows.ToDictionary(TaskText, r => r.Id);
        foreach (var request in sent.Where(s => s.ReplyPath is not null))
        {
            var id = ids[request.Text];
            var state = states[id];
            await fake.WaitForAsync(r => r.Method == "POST" && r.Path == request.ReplyPath && r.Body.Contains(id, StringComparison.Ordinal) && r.Body.Contains(state, StringComparison.Ordinal), bound: TimeSpan.FromSeconds(60));
        }
    }

    private static string TaskText(TaskStore.Row row) => JsonSerializer.Deserialize<string[]>(row.Args)![0];

    private static async Task<IReadOnlyList<TaskStore.Row>> WaitTasksAsync(CodeurSystem system, IReadOnlyList<SentRequest> sent, TimeSpan timeout)
    {
        var database = Path.Combine(system.Directory, "codeur.db");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = await TaskStore.ReadAsync(database);
            if (rows.Count >= sent.Count)
            {
                return rows;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{rows.Count} tasks of {sent.Count} requests after {timeout}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until the gateway's metrics show an empty spool; returns the mean time from arrival to the runner's answer.</summary>
    private static async Task<double> WaitSpoolEmptyAsync(HttpClient gateway)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var metrics = await gateway.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            var depth = Gauge(metrics, "webhook_spool_entries");
            if (depth == 0)
            {
                Assert.Contains("webhook_drained_total", metrics, StringComparison.Ordinal);
                Assert.Equal(0, Gauge(metrics, "webhook_spool_oldest_age_seconds"));
                return Gauge(metrics, "webhook_spool_wait_seconds_sum") / Math.Max(1, Gauge(metrics, "webhook_spool_wait_seconds_count"));
            }

            Assert.True(DateTime.UtcNow < deadline, $"spool still holds {depth} entries");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    private static double Gauge(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is ' ' or '{'))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Sum();

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record SentRequest(int Number, string Kind, string Project, string Text, string Answer, string? ReplyPath);

    /// <summary>GitHub comment, Slack slash command, Discord interaction and API submission in turn, each signed as its platform signs.</summary>
    private sealed class Sender(CodeurSystem system, Signer signer)
    {
        private readonly ConcurrentQueue<SentRequest> _sent = new();
        private int _number;

        public IReadOnlyList<SentRequest> Sent => [.. _sent];

        public async Task SendAsync(HttpClient client)
        {
            var n = Interlocked.Increment(ref _number);
            var project = n % 2 == 0 ? "backend" : "frontend";
            var kind = (n % 4) switch { 0 => "github", 1 => "slack", 2 => "discord", _ => "api" };
            var text = $"spool {kind} {n} {system.InstanceId}";
            var (request, replyPath) = kind switch
            {
                "github" => (GitHub(n, project, text), $"/repos/acme/{project}/issues/{n}/comments"),
                "slack" => (Slack(n, project, text), $"/commands/T1/{n}/abc"),
                "discord" => (Discord(n, project, text), $"/webhooks/{DiscordApplication}/itoken-{n}"),
                _ => (CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", JsonSerializer.Serialize(new { command = "run", args = new[] { text }, project })), null),
            };

            using (request)
            {
                using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
                var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True(response.IsSuccessStatusCode, $"{kind} request {n} answered {(int)response.StatusCode}: {body}");
                _sent.Enqueue(new SentRequest(n, kind, project, text, Classify(body), replyPath));
            }
        }

        /// <summary>"spooled" for the spool's answers (202 spool_id, or the platform acknowledgement), "direct" for the runner's.</summary>
        private static string Classify(string body)
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var text = root.TryGetProperty("spool_id", out _) ? "spooled"
                : root.TryGetProperty("text", out var slack) ? slack.GetString()
                : root.TryGetProperty("data", out var discord) ? discord.GetProperty("content").GetString()
                : "direct";
            return text == "spooled" || text == "Queued; starting shortly." ? "spooled" : "direct";
        }

        private static HttpRequestMessage GitHub(int n, string project, string text) => CodeurSystem.GitHub("issue_comment", JsonSerializer.Serialize(new
        {
            action = "created",
            issue = new { number = n, title = "t" },
            comment = new { id = n, body = $"!agent run '{text}'", user = new { login = "octo", type = "User" }, author_association = "OWNER" },
            repository = new { full_name = $"acme/{project}" },
            sender = new { login = "octo", type = "User" },
        }), Guid.NewGuid().ToString());

        private static HttpRequestMessage Slack(int n, string project, string text)
        {
            var form = string.Join('&', new[]
            {
                ("command", "/agent"),
                ("text", $"run '{text}' --project {project}"),
                ("user_id", "U1"),
                ("channel_id", "C1"),
                ("team_id", "T1"),
                ("trigger_id", $"trigger-{n}-{Guid.NewGuid():N}"),
                ("response_url", $"https://hooks.slack.com/commands/T1/{n}/abc"),
            }.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));
            var body = Encoding.UTF8.GetBytes(form);
            var timestamp = Signer.Now();
            var request = new HttpRequestMessage(HttpMethod.Post, "/webhook/slack") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
            request.Headers.Add("X-Slack-Signature", Signer.Slack(body, timestamp));
            return request;
        }

        private HttpRequestMessage Discord(int n, string project, string text)
        {
            var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
            {
                type = 2,
                id = (1180000000000000000L + n).ToString(CultureInfo.InvariantCulture),
                application_id = DiscordApplication,
                token = $"itoken-{n}",
                channel_id = "1180000000000000003",
                member = new { user = new { id = "80351110224678912", username = "nelly" } },
                data = new
                {
                    name = "agent",
                    options = new object[]
                    {
                        new { name = "command", type = 3, value = "run" },
                        new { name = "task", type = 3, value = text },
                        new { name = "project", type = 3, value = project },
                    },
                },
            }));
            var timestamp = Signer.Now();
            var request = new HttpRequestMessage(HttpMethod.Post, "/webhook/discord") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Signature-Timestamp", timestamp);
            request.Headers.Add("X-Signature-Ed25519", signer.Discord(body, timestamp));
            return request;
        }
    }
}
