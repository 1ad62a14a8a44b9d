using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;

namespace Codeur.Reliability.Tests.Faults;

/// <summary>Part 3b and 3d: the runner killed with SIGKILL mid-task, and the gateway restarted (gracefully and not) under load.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ProcessFaultTests
{
    [Fact]
    public async Task RunnerKilledMidTaskWhileIntakeContinues_EveryAcceptedTaskEndsOnceNoOrphans()
    {
        await Suite.RequireDockerAsync();
        await using var system = await CodeurSystem.StartAsync(workers: 2);
        var texts = new ConcurrentDictionary<string, string>();
        var running = new[] { await Tasks.SubmitAsync(system, "slow killed backend", "backend"), await Tasks.SubmitAsync(system, "slow killed frontend", "frontend") };
        texts[running[0]] = "slow killed backend";
        texts[running[1]] = "slow killed frontend";
        foreach (var id in running)
        {
            await system.WaitStateAsync(id, "running");
        }

        // Intake keeps going while the runner dies: requests answered 202 must run; the others got an error and no promise.
        using var stop = new CancellationTokenSource();
        var refused = 0;
        var sender = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var text = $"during kill {i}";
                try
                {
                    using var response = await system.Client.SendAsync(
                        CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", JsonSerializer.Serialize(new { command = "run", args = new[] { text }, project = i % 2 == 0 ? "backend" : "frontend" })), stop.Token);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop.Token));
                        texts[json.RootElement.GetProperty("task_id").GetString()!] = text;
                    }
                    else
                    {
                        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout, $"unexpected {response.StatusCode} while the runner was down");
                        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{response.StatusCode} without Retry-After");
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(150, CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);

        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await system.Runner!.KillAsync();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await system.StartRunnerAsync();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await sender;

        var states = await Tasks.WaitAllFinalAsync(system, texts.Keys, TimeSpan.FromSeconds(180));
        foreach (var id in running)
        {
            Assert.Equal("interrupted", states[id]);
        }

        Assert.All(states.Where(s => !running.Contains(s.Key)), s => Assert.Equal("succeeded", s.Value));
        await Tasks.AssertEndedExactlyOnceAsync(system, states, texts);
        await Tasks.AssertNoContainerLeftAsync(system, TimeSpan.FromSeconds(30));
        Assert.True(refused > 0, "no request met the dead runner: the kill window was not exercised");
        Suite.Report("fault_runner_sigkill", new
        {
            accepted = texts.Count,
            refused_while_down = refused,
            states = states.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()),
            tasks_lost = 0,
            orphan_containers = 0,
        });
    }

    [Fact]
    public async Task ConcurrentWebhooksThenRunnerSigkill_EveryTaskAnswered202IsOnDisk()
    {
        // Issue 16: enqueues are committed in groups; a 202 still leaves only after its group's commit. Killed the moment
        // the last answer arrives, the runner has every task it answered for in its SQLite file.
        await Suite.RequireDockerAsync();
        await using var system = await CodeurSystem.StartAsync(workers: 1);
        var requests = Suite.Scale(300, 3000);
        var accepted = new ConcurrentBag<string>();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 32 };
        using var client = new HttpClient(handler) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(60) };
        await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = TestContext.Current.CancellationToken }, async (n, token) =>
        {
            var body = JsonSerializer.Serialize(new
            {
                action = "created",
                issue = new { number = n, title = "t" },
                comment = new { id = n, body = $"!agent run 'group commit {n}'", user = new { login = "octo", type = "User" }, author_association = "OWNER" },
                repository = new { full_name = "acme/backend" },
                sender = new { login = "octo", type = "User" },
            });
            using var response = await client.SendAsync(CodeurSystem.GitHub("issue_comment", body, Guid.NewGuid().ToString()), token);
            var answer = await response.Content.ReadAsStringAsync(token);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {answer}");
            using var json = JsonDocument.Parse(answer);
            accepted.Add(json.RootElement.GetProperty("task_id").GetString()!);
        });

        await system.Runner!.KillAsync();
        var stored = (await TaskStore.ReadAsync(Path.Combine(system.Directory, "codeur.db"))).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(requests, accepted.Count);
        Assert.All(accepted, id => Assert.Contains(id, stored));

        Suite.Report("fault_runner_sigkill_after_group_commit", new { accepted = accepted.Count, stored = stored.Count, tasks_lost = 0 });
    }

    [Fact]
    public async Task GatewayRestartedUnderLoad_EveryDeliveryAnsweredEventuallyAndRunsExactlyOnce()
    {
        await Suite.RequireDockerAsync();
        await using var system = await CodeurSystem.StartAsync(workers: 3, mappingYaml: """
              project_mapping:
                - {pattern: "^acme/p0$", path: "{projects}/p0", name: p0}
                - {pattern: "^acme/p1$", path: "{projects}/p1", name: p1}
                - {pattern: "^acme/p2$", path: "{projects}/p2", name: p2}
            """);
        for (var p = 0; p < 3; p++)
        {
            system.CreateProject("p" + p);
        }

        var deliveries = Suite.Scale(60, 600);
        var texts = new ConcurrentDictionary<string, string>();
        var attempts = 0;
        var retried = 0;
        using var client = new HttpClient { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };

        // A platform's redelivery: the same delivery id until a definitive answer (2xx or 4xx).
        async Task DeliverAsync(int n)
        {
            var delivery = Guid.NewGuid().ToString();
            var text = $"restart delivery {n}";
            var body = JsonSerializer.Serialize(new
            {
                action = "created",
                issue = new { number = n, title = "t" },
                comment = new { id = n, body = $"!agent run '{text}'", user = new { login = "octo", type = "User" }, author_association = "OWNER" },
                repository = new { full_name = $"acme/p{n % 3}" },
                sender = new { login = "octo", type = "User" },
            });
            for (var attempt = 0; ; attempt++)
            {
                Interlocked.Increment(ref attempts);
                try
                {
                    using var response = await client.SendAsync(CodeurSystem.GitHub("issue_comment", body, delivery), TestContext.Current.CancellationToken);
                    var answer = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        using var json = JsonDocument.Parse(answer);
                        var id = json.RootElement.GetProperty("task_id").GetString()!;
                        Assert.True(texts.GetOrAdd(id, text) == text, $"task {id} answered for two deliveries");
                        return;
                    }

                    Assert.True((int)response.StatusCode is 502 or 503 or 504, $"delivery {n}: {(int)response.StatusCode} {answer}");
                }
                catch (HttpRequestException)
                {
                    // Connection refused or reset while the gateway was down.
                }

                Assert.True(attempt < 200, $"delivery {n} never answered");
                Interlocked.Increment(ref retried);
                await Task.Delay(250, TestContext.Current.CancellationToken);
            }
        }

        var senders = Enumerable.Range(0, deliveries).Select(async n =>
        {
            await Task.Delay(n * 10_000 / deliveries, TestContext.Current.CancellationToken);
            await DeliverAsync(n);
        }).ToList();

        await Task.Delay(2500, TestContext.Current.CancellationToken);
        await system.Gateway!.TerminateAsync(TimeSpan.FromSeconds(30));
        await system.StartGatewayAsync();
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        await system.Gateway!.KillAsync();
        await system.StartGatewayAsync();
        await Task.WhenAll(senders);

        Assert.Equal(deliveries, texts.Count);
        var states = await Tasks.WaitAllFinalAsync(system, texts.Keys, TimeSpan.FromSeconds(240));
        Assert.All(states, s => Assert.Equal("succeeded", s.Value));
        await Tasks.AssertEndedExactlyOnceAsync(system, states, texts);
        Assert.Equal(deliveries, (await TaskStore.ReadAsync(Path.Combine(system.Directory, "codeur.db"))).Count);
        Suite.Report("fault_gateway_restart", new
        {
            deliveries,
            attempts,
            retried_after_refusal_or_5xx = retried,
            tasks = texts.Count,
            duplicates_created = 0,
            tasks_lost = 0,
        });
    }
}
