using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Codeur.Configuration;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.IntegrationTests.Sandbox;
using Codeur.Runner.Queue;
using Codeur.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.ScaleOut;

/// <summary>
/// Two gateways and two runners as real processes, sharing one real redis-server, running tasks in real containers.
/// Gateway A forwards to runner A, gateway B to runner B; both runners claim from the one Redis queue.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ScaleOutTests(DockerFixture docker) : IAsyncLifetime
{
    private const int Tasks = 1000;
    private const int Projects = 8;
    private const int RateLimit = 150;
    private const string InternalToken = "scale-internal-token";

    private readonly RedisServer _redis = new();
    private readonly List<ServiceProcess> _processes = [];
    private string _directory = "";

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _directory = Directory.CreateTempSubdirectory("codeur-scale-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var runner in new[] { "a", "b" })
        {
            foreach (var id in await DockerCli.RunAsync("ps", "-aq", "--filter", $"label=codeur.runner={RunnerId(runner)}"))
            {
                await DockerCli.RunAsync("rm", "-f", id);
            }
        }

        await _redis.DisposeAsync();
        if (Environment.GetEnvironmentVariable("CODEUR_E2E_KEEP") != "1")
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private string RunnerId(string name) => $"scale-{name}-{Path.GetFileName(_directory)}";

    [Fact(Timeout = 900_000)]
    public async Task ThousandTasksAcrossTwoGateways_RunnerKilledMidway_EachTaskEndsOnceAndProjectsNeverOverlap()
    {
        docker.RequireDocker();
        _redis.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        for (var p = 0; p < Projects; p++)
        {
            var path = Path.Combine(_directory, "projects", $"p{p}");
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
        }

        var ports = FreePorts(4);
        var (gatewayA, runnerA) = await StartPairAsync("a", ports[0], ports[1]);
        var (gatewayB, runnerB) = await StartPairAsync("b", ports[2], ports[3]);
        using var clientA = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}"), Timeout = TimeSpan.FromSeconds(30) };
        using var clientB = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}"), Timeout = TimeSpan.FromSeconds(30) };
        await using var store = new RedisTaskQueue(new QueueSection { Backend = "redis", Connection = _redis.Connection }, TimeProvider.System, NullLogger<RedisTaskQueue>.Instance);

        // 1. 1000 tasks through both gateways (alternating), under ten identities so the rate limit stays out of the way.
        var submitted = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Tasks), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (n, token) =>
        {
            var client = n % 2 == 0 ? clientA : clientB;
            using var request = Post($"token-{n % 10}", $$"""{"command":"run","args":["t-{{n}}"],"project":"p{{n % Projects}}"}""");
            using var response = await client.SendAsync(request, token);
            var body = await response.Content.ReadAsStringAsync(token);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"task {n}: {(int)response.StatusCode} {body}");
            submitted[$"t-{n}"] = JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString()!;
        });
        Assert.Equal(Tasks, submitted.Values.Distinct().Count());

        // 2. The shared per-identity limit, probed through both gateways at once while the tasks run.
        var admitted = 0;
        var limited = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 2 * RateLimit), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (n, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/no-such-task");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "probe-token-0123456789");
            using var response = await (n % 2 == 0 ? clientA : clientB).SendAsync(request, token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                Interlocked.Increment(ref admitted);
            }
            else if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref limited);
            }
            else
            {
                Assert.Fail($"probe: unexpected {(int)response.StatusCode}");
            }
        });
        Assert.InRange(admitted, RateLimit * 9 / 10, RateLimit * 11 / 10);
        Assert.Equal(2 * RateLimit, admitted + limited);

        // 3. Midway, kill -9 runner A while it holds tasks.
        IReadOnlyList<TaskRecord> heldByA = [];
        var deadline = DateTime.UtcNow.AddMinutes(8);
        while (true)
        {
            var stats = await store.GetStatsAsync(ct);
            if (stats.Queued + stats.Running <= Tasks / 2)
            {
                heldByA = [.. (await store.RecentAsync(Tasks, ct)).Where(t => t.State == TaskState.Running && t.Owner == RunnerId("a"))];
                if (heldByA.Count > 0)
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"no progress to midway: {stats}\n{await runnerA.ReadLogAsync()}");
            await Task.Delay(100, ct);
        }

        await runnerA.KillAsync();

        // 4. Runner B finishes everything, including what A held (after A's 5 s lease lapses).
        while (await store.GetStatsAsync(ct) is var stats && stats.Queued + stats.Running > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"not finished: {stats}\n{await runnerB.ReadLogAsync()}");
            await Task.Delay(250, ct);
        }

        // 5. Every task ended exactly once: succeeded, or interrupted (started on A when it died); none lost.
        var records = new Dictionary<string, TaskRecord>();
        foreach (var (text, id) in submitted)
        {
            var record = await store.GetAsync(id, ct);
            Assert.NotNull(record);
            records[text] = record;
        }

        Assert.Equal(Tasks, (await store.RecentAsync(Tasks + 10, ct)).Count);
        var states = records.Values.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(states.Keys.All(s => s is TaskState.Succeeded or TaskState.Interrupted), "states: " + string.Join(", ", states));
        Assert.All(records.Values.Where(r => r.State == TaskState.Interrupted), r => Assert.Equal(RunnerId("a"), r.Owner));
        Assert.All(heldByA, held => Assert.Contains(records[held.Args[0]].State, new[] { TaskState.Interrupted, TaskState.Succeeded }));
        Assert.Contains(records.Values, r => r.State == TaskState.Succeeded && r.Owner == RunnerId("a"));
        Assert.Contains(records.Values, r => r.State == TaskState.Succeeded && r.Owner == RunnerId("b"));

        // What the containers themselves recorded: each task started at most once (never re-run), each succeeded task
        // exactly once from start to end, and within a project no two tasks' start..end spans overlap.
        var starts = new Dictionary<string, int>();
        for (var p = 0; p < Projects; p++)
        {
            var spans = new Dictionary<string, (long Start, long? End)>();
            foreach (var line in File.ReadAllLines(Path.Combine(_directory, "projects", $"p{p}", ".marks")))
            {
                var parts = line.Split(' ');
                var at = long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
                if (parts[0] == "start")
                {
                    starts[parts[1]] = starts.GetValueOrDefault(parts[1]) + 1;
                    spans[parts[1]] = (at, null);
                }
                else
                {
                    spans[parts[1]] = (spans[parts[1]].Start, at);
                }
            }

            var ordered = spans.OrderBy(s => s.Value.Start).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var (previous, current) = (ordered[i - 1], ordered[i]);
                if (previous.Value.End is { } end)
                {
                    Assert.True(end <= current.Value.Start, $"p{p}: {current.Key} started before {previous.Key} ended");
                }
                else
                {
                    // Its container was killed mid-run (its runner died): only an interrupted task may lack an end,
                    // and the next task of its project started only after that kill (or never overlapped it).
                    Assert.Equal(TaskState.Interrupted, records[previous.Key].State);
                }
            }
        }

        Assert.All(starts, s => Assert.True(s.Value == 1, $"{s.Key} started {s.Value} times"));
        Assert.All(records.Where(r => r.Value.State == TaskState.Succeeded), r => Assert.True(starts.ContainsKey(r.Key), $"{r.Key} succeeded without running"));

        // The public API of the surviving side answers for tasks accepted through the dead side.
        using var viaB = new HttpRequestMessage(HttpMethod.Get, $"/api/tasks/{submitted["t-0"]}");
        viaB.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "token-0-0123456789abcdef");
        using var answer = await clientB.SendAsync(viaB, ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(gatewayB.HasExited || runnerB.HasExited || gatewayA.HasExited);
    }

    private static HttpRequestMessage Post(string token, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token + "-0123456789abcdef");
        return request;
    }

    private async Task<(ServiceProcess Gateway, ServiceProcess Runner)> StartPairAsync(string name, int gatewayPort, int runnerPort)
    {
        var projects = Path.Combine(_directory, "projects");
        var mapping = string.Join('\n', Enumerable.Range(0, Projects).Select(p =>
            $"    - {{pattern: \"^p{p}$\", path: \"{projects}/p{p}\", name: p{p}}}"));
        var tokens = string.Join(", ", Enumerable.Range(0, 10).Select(t => $"token-{t}: \"token-{t}-0123456789abcdef\""));
        var config = Path.Combine(_directory, $"{name}.agent.yaml");
        var yaml = $$"""
            webhook:
              host: "127.0.0.1"
              port: {{gatewayPort}}
              workers: 3
              rate_limit: {{RateLimit}}
              address_rate_limit: 1000000
              timeout: 20
              tokens: { {{tokens}}, probe: "probe-token-0123456789" }
              project_mapping:
            {{mapping}}
              runner: {url: "http://127.0.0.1:{{runnerPort}}", internal_token: "{{InternalToken}}", instance_id: "{{RunnerId(name)}}", shutdown_grace: 2}
              sandbox:
                memory: "128m"
                cpus: 0.5
                commands: {run: ["sh", "-c", "echo \"start $1 $(date +%s%N)\" >> .marks; sleep 0.2; echo \"end $1 $(date +%s%N)\" >> .marks; echo done", "agent", "{task}"]}
              queue: {backend: redis, connection: "{{_redis.Connection}}", lease: 5, capacity: 5000}
              audit: {path: "{{_directory}}/{{name}}.audit.log"}
            """;
        await File.WriteAllTextAsync(config, yaml, TestContext.Current.CancellationToken);
        var runner = ServiceProcess.Start("Runner", config, Path.Combine(_directory, $"runner-{name}.log"));
        _processes.Add(runner);
        await runner.WaitHealthyAsync(new Uri($"http://127.0.0.1:{runnerPort}/health"));
        var gateway = ServiceProcess.Start("Gateway", config, Path.Combine(_directory, $"gateway-{name}.log"));
        _processes.Add(gateway);
        await gateway.WaitHealthyAsync(new Uri($"http://127.0.0.1:{gatewayPort}/health"));
        return (gateway, runner);
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Dispose());
        return ports;
    }
}
