using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;

namespace Codeur.Reliability.Tests.Load;

/// <summary>
/// Part 4: a burst of signed GitHub webhooks, far more than the queue holds. Each is answered 2xx or 429/503 with
/// Retry-After; every 2xx task runs exactly once; both services' peak memory stays bounded.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BurstTests
{
    private const int Projects = 6;

    // Bounds for peak RSS (VmHWM). Measured well below; a leak or an unbounded buffer under the burst crosses them.
    private const double GatewayPeakMiBBound = 512;
    private const double RunnerPeakMiBBound = 768;

    [Fact]
    public async Task Burst_TenThousandSignedWebhooks_EachAnsweredAndEveryAcceptedTaskRunsOnceMemoryBounded()
    {
        await Suite.RequireDockerAsync();
        var burst = Suite.Scale(10_000, 100_000);
        var mapping = "  project_mapping:\n" + string.Join("\n", Enumerable.Range(0, Projects).Select(p => $"    - {{pattern: \"^acme/p{p}$\", path: \"{{projects}}/p{p}\", name: p{p}}}"));
        await using var system = await CodeurSystem.StartAsync(
            extraYaml: "  rate_limit: 6000\n  address_rate_limit: 1000000",
            workers: 4,
            mappingYaml: mapping,
            queueYaml: "queue: {backend: sqlite, path: \"{directory}/codeur.db\", capacity: 60}");
        for (var p = 0; p < Projects; p++)
        {
            system.CreateProject("p" + p);
        }

        var statuses = new ConcurrentDictionary<int, int>();
        var accepted = new ConcurrentDictionary<string, string>();
        var problems = new ConcurrentQueue<string>();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(60) };
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, burst), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = TestContext.Current.CancellationToken }, async (n, token) =>
        {
            var text = $"burst {n}";
            var body = JsonSerializer.Serialize(new
            {
                action = "created",
                issue = new { number = n, title = "t" },
                comment = new { id = n, body = $"!agent run '{text}'", user = new { login = "octo", type = "User" }, author_association = "OWNER" },
                repository = new { full_name = $"acme/p{n % Projects}" },
                sender = new { login = "octo", type = "User" },
            });
            using var response = await client.SendAsync(CodeurSystem.GitHub("issue_comment", body, Guid.NewGuid().ToString()), token);
            var answer = await response.Content.ReadAsStringAsync(token);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            switch (status)
            {
                case 202:
                    accepted[JsonDocument.Parse(answer).RootElement.GetProperty("task_id").GetString()!] = text;
                    break;
                case 429 or 503:
                    if (response.Headers.RetryAfter?.Delta is not { } wait || wait <= TimeSpan.Zero)
                    {
                        problems.Enqueue($"{status} without Retry-After: {answer}");
                    }

                    break;
                default:
                    problems.Enqueue($"{status}: {answer}");
                    break;
            }
        });
        var burstTime = clock.Elapsed;
        var gatewayPeak = Suite.PeakRssMiB(system.Gateway!.Id);
        var runnerPeakAtBurst = Suite.PeakRssMiB(system.Runner!.Id);

        Assert.True(problems.IsEmpty, $"{problems.Count} bad answers, e.g. {string.Join(" | ", problems.Take(5))}");
        Assert.Equal(burst, statuses.Values.Sum());
        Assert.False(accepted.IsEmpty, "nothing accepted");
        var states = await Tasks.WaitAllFinalAsync(system, accepted.Keys, TimeSpan.FromSeconds(300));
        var drainTime = clock.Elapsed - burstTime;
        Assert.All(states, s => Assert.Equal("succeeded", s.Value));
        await Tasks.AssertEndedExactlyOnceAsync(system, states, accepted);
        Assert.Equal(accepted.Count, (await TaskStore.ReadAsync(Path.Combine(system.Directory, "codeur.db"))).Count);
        var runnerPeak = Suite.PeakRssMiB(system.Runner.Id);
        Assert.False(system.Gateway.HasExited || system.Runner.HasExited, "a service died under the burst");
        Assert.InRange(gatewayPeak, 1, GatewayPeakMiBBound);
        Assert.InRange(runnerPeak, 1, RunnerPeakMiBBound);
        Suite.Report("load_burst", new
        {
            webhooks = burst,
            concurrency = 64,
            burst_seconds = Math.Round(burstTime.TotalSeconds, 1),
            requests_per_second = Math.Round(burst / burstTime.TotalSeconds),
            statuses = statuses.OrderBy(s => s.Key).ToDictionary(s => s.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), s => s.Value),
            accepted = accepted.Count,
            ran_exactly_once = states.Count,
            drain_seconds = Math.Round(drainTime.TotalSeconds, 1),
            gateway_peak_rss_mib = Math.Round(gatewayPeak, 1),
            runner_peak_rss_mib = Math.Round(runnerPeak, 1),
            runner_peak_rss_at_burst_end_mib = Math.Round(runnerPeakAtBurst, 1),
            tasks_lost = 0,
        });
    }
}
