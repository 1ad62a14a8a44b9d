using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;
using Codeur.Runner.Tests.Replies;
using Microsoft.Data.Sqlite;

namespace Codeur.Reliability.Tests.Faults;

/// <summary>
/// Part 3e: GitHub's API (a recording fake at <c>replies.github_api_url</c>) answers 500, or holds every request open
/// without an answer, while signed comments run real tasks; the runner is restarted with replies still pending; then
/// the API recovers. Every task ends once and truthfully, and each issue gets its acknowledgement and its ending
/// exactly once, after the recovery.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class PlatformOutageTests
{
    private const string GitHubToken = "reliability-github-token-for-replies";
    private const int Comments = 6;
    private const int CommentsAfterRestart = 2;

    [Fact]
    public Task GitHubAnswers500ThenRecovers_RunnerTerminatedMeanwhile_EveryReplyDeliveredOnceAfterRecovery() =>
        RunAsync("fault_platform_500", fake => fake.FailNext(500, count: 100_000), requestTimeout: 5, restart: system => system.Runner!.TerminateAsync(TimeSpan.FromSeconds(30)), restartKind: "SIGTERM");

    [Fact]
    public Task GitHubHangsThenRecovers_RunnerKilledMeanwhile_EveryReplyDeliveredOnceAfterRecovery() =>
        RunAsync("fault_platform_hang", fake =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                fake.HangNext();
            }
        }, requestTimeout: 2, restart: system => system.Runner!.KillAsync(), restartKind: "SIGKILL");

    private static async Task RunAsync(string part, Action<FakePlatformServer> beginOutage, int requestTimeout, Func<CodeurSystem, Task> restart, string restartKind)
    {
        await Suite.RequireDockerAsync();
        var clock = Stopwatch.StartNew();
        await using var github = await FakePlatformServer.StartAsync();
        beginOutage(github);
        // A short request_timeout: a hanging API costs each delivery attempt about 3 × 2 s rather than 3 × 10 s. Not
        // the minimum (1 s): on a loaded machine a normal answer slower than that would be a timeout, retried, and
        // posted twice (delivery is at least once), which this test would count as a duplicate.
        await using var system = await CodeurSystem.StartAsync($"""
              github_token: "{GitHubToken}"
              replies:
                github_api_url: "{github.BaseUrl}"
                request_timeout: {requestTimeout}
                progress_interval: 0
            """);
        using var runnerClient = new HttpClient { BaseAddress = system.RunnerUrl, Timeout = TimeSpan.FromSeconds(10) };
        var healthChecks = 0;
        var texts = new ConcurrentDictionary<string, string>();
        var issues = new Dictionary<string, int>();

        // Signed comments, one issue each, spread over the outage: intake answers 202 every time.
        async Task CommentAsync(int n)
        {
            var text = $"{part} comment {n}";
            var answer = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment(n, $"!agent run '{text}'"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
            var id = answer.GetProperty("task_id").GetString()!;
            texts[id] = text;
            issues[id] = n;
        }

        var outageClock = Stopwatch.StartNew();
        using var probeBefore = HealthProbe.Start(runnerClient, () => Interlocked.Increment(ref healthChecks));
        for (var n = 1; n <= Comments; n++)
        {
            await CommentAsync(n);
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        var states = await Tasks.WaitAllFinalAsync(system, texts.Keys, TimeSpan.FromSeconds(60));
        Assert.All(states, s => Assert.Equal("succeeded", s.Value));

        // Failures are metered and logged while nothing gets through; the outage lasts long enough for several
        // rounds of the outbox's back-off before the restart.
        while (outageClock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        var meteredBeforeRestart = await WaitMeteredFailuresAsync(runnerClient, TimeSpan.FromSeconds(20));

        Assert.Equal(2 * Comments, (await OutboxAsync(system)).GetValueOrDefault("pending"));
        await probeBefore.StopAsync();

        // The restart, with every reply still pending (and, for the hang, requests held open at that moment).
        await restart(system);
        await system.StartRunnerAsync();
        var restarted = DateTimeOffset.UtcNow;
        using var probeAfter = HealthProbe.Start(runnerClient, () => Interlocked.Increment(ref healthChecks));

        // The new runner takes the pending replies up (and meters its own failures) while the platform is still
        // away, and takes more comments meanwhile.
        await github.WaitForAsync(r => r.At > restarted, bound: TimeSpan.FromSeconds(30));
        for (var n = Comments + 1; n <= Comments + CommentsAfterRestart; n++)
        {
            await CommentAsync(n);
        }

        await WaitMeteredFailuresAsync(runnerClient, TimeSpan.FromSeconds(20));
        states = await Tasks.WaitAllFinalAsync(system, texts.Keys, TimeSpan.FromSeconds(60));
        Assert.All(states, s => Assert.Equal("succeeded", s.Value));
        var meteredAfterRestart = await WaitMeteredFailuresAsync(runnerClient, TimeSpan.FromSeconds(1));
        var total = texts.Count;
        Assert.Equal(2 * total, (await OutboxAsync(system)).GetValueOrDefault("pending"));
        var outage = outageClock.Elapsed;

        // Recovery. The fake records a request and takes its scripted answer under one lock, so every request
        // recorded before `clearing` got the outage and every one after `cleared` a normal answer.
        var failedAttempts = github.Requests.Count;
        var clearing = DateTimeOffset.UtcNow;
        github.ClearScript();
        var cleared = DateTimeOffset.UtcNow;
        var recovery = Stopwatch.StartNew();
        bool Answered(RecordedRequest r) => r.At > cleared && r.Method == "POST";
        await github.WaitForAsync(Answered, count: 2 * total, bound: TimeSpan.FromSeconds(60));
        var deliveredAfter = recovery.Elapsed;
        var outbox = await WaitOutboxDeliveredAsync(system, TimeSpan.FromSeconds(15));
        await probeAfter.StopAsync();

        // Nothing more comes: no ending or acknowledgement posted twice.
        await Task.Delay(3000, TestContext.Current.CancellationToken);
        var requests = github.Requests;
        Assert.DoesNotContain(requests, r => r.At >= clearing && r.At <= cleared);
        var answered = requests.Where(Answered).ToList();
        Assert.Equal(2 * total, answered.Count);
        Assert.All(requests, r => Assert.Equal("Bearer " + GitHubToken, r.Header("Authorization")));
        foreach (var (id, issue) in issues)
        {
            var mine = answered.Where(r => r.Path == $"/repos/acme/backend/issues/{issue}/comments").Select(r => r.Json.GetProperty("body").GetString()!).ToList();
            Assert.True(mine.Count == 2, $"task {id} (issue {issue}) got {mine.Count} comments after recovery: {string.Join(" | ", mine)}");
            Assert.StartsWith($"Task `{id}` queued: `run` in project *backend*", mine[0], StringComparison.Ordinal);
            Assert.StartsWith($"Task `{id}` succeeded.", mine[1], StringComparison.Ordinal);
        }

        Assert.Equal(2 * total, outbox.GetValueOrDefault("delivered"));
        Assert.Equal(0, outbox.GetValueOrDefault("expired"));
        var audit = await Suite.AuditAsync(system.AuditPath);
        Assert.Equal(2 * total, audit.Count(a => a.GetProperty("event").GetString() == "reply_sent"));
        Assert.DoesNotContain(audit, a => a.GetProperty("event").GetString() == "reply_failed");
        await Tasks.AssertEndedExactlyOnceAsync(system, states, texts);

        var log = await system.Runner!.ReadLogAsync();
        var warned = log.Split('\n').Count(l => l.Contains("for task", StringComparison.Ordinal) && l.Contains("failed (attempt", StringComparison.Ordinal));
        Assert.True(warned > 0, "no failed delivery attempt was logged");

        // An outage that recovers is logged as warnings, one per failed delivery, not as errors with stack traces.
        var errors = log.Split('\n').Where(l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} error lines in the runner log, first: {errors.FirstOrDefault()?[..Math.Min(300, errors[0].Length)]}");
        Assert.True(healthChecks > 0);
        var elapsed = clock.Elapsed;
        Suite.Report(part, new
        {
            tasks = total,
            outage_s = Math.Round(outage.TotalSeconds, 1),
            states = states.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()),
            restart = restartKind,
            request_timeout_s = requestTimeout,
            failed_requests_during_outage = failedAttempts,
            reply_failures_metered_before_restart = meteredBeforeRestart,
            reply_failures_metered_after_restart = meteredAfterRestart,
            failures_logged = warned,
            runner_log_kib = log.Length / 1024,
            runner_health_checks_ok = healthChecks,
            replies_delivered_after_recovery = answered.Count,
            all_delivered_after_s = Math.Round(deliveredAfter.TotalSeconds, 1),
            duplicates = 0,
            tasks_lost = 0,
            test_s = Math.Round(elapsed.TotalSeconds, 1),
        });
    }

    /// <summary>Polls the runner's <c>/health</c> every 200 ms; any answer but 200 fails the test.</summary>
    private sealed class HealthProbe : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public static HealthProbe Start(HttpClient runner, Action ok)
        {
            var probe = new HealthProbe();
            probe._loop = Task.Run(async () =>
            {
                while (!probe._stop.IsCancellationRequested)
                {
                    using (var response = await runner.GetAsync(new Uri("/health", UriKind.Relative), CancellationToken.None))
                    {
                        Assert.True(response.StatusCode == HttpStatusCode.OK, $"runner /health answered {(int)response.StatusCode} while the platform was away");
                    }

                    ok();
                    try
                    {
                        await Task.Delay(200, probe._stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }, CancellationToken.None);
            return probe;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
        }

        public void Dispose() => _stop.Dispose();
    }

    private static string Comment(int issue, string body) => JsonSerializer.Serialize(new
    {
        action = "created",
        issue = new { number = issue, title = "Please help" },
        comment = new { id = 1000 + issue, body, user = new { login = "octo", type = "User" }, author_association = "OWNER" },
        repository = new { full_name = "acme/backend" },
        sender = new { login = "octo", type = "User" },
    });

    /// <summary>The sum of the runner's <c>reply_failures_total</c> series for GitHub, once it is above zero (bounded wait).</summary>
    private static async Task<double> WaitMeteredFailuresAsync(HttpClient runner, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            var text = await runner.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
            var sum = text.Split('\n')
                .Where(l => l.StartsWith("reply_failures_total{", StringComparison.Ordinal) && l.Contains("platform=\"github\"", StringComparison.Ordinal))
                .Sum(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));
            if (sum > 0)
            {
                return sum;
            }

            Assert.True(DateTime.UtcNow < deadline, "no reply_failures_total{platform=\"github\"} on the runner's /metrics");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The outbox (table <c>replies</c> in the queue's SQLite file), counted by state.</summary>
    private static async Task<Dictionary<string, int>> OutboxAsync(CodeurSystem system)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(system.Directory, "codeur.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, count(*) FROM replies GROUP BY state";
        var counts = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    private static async Task<Dictionary<string, int>> WaitOutboxDeliveredAsync(CodeurSystem system, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            var counts = await OutboxAsync(system);
            if (counts.GetValueOrDefault("pending") == 0)
            {
                return counts;
            }

            Assert.True(DateTime.UtcNow < deadline, $"replies still pending in the outbox: {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
