using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>
/// Gateway and runner as real processes on loopback, one temporary directory holding the config, the SQLite
/// queue, the audit trail and the projects. The run template writes the task text verbatim to a file in the
/// project (so a test can prove what arrived) and sleeps when the text starts with "slow"; "ticking" prints a line
/// every 0.3 s for 45 s (a log to follow live).
/// </summary>
public sealed class CodeurSystem : IAsyncDisposable
{
    public const string Token = "e2e-bearer-token-0123456789";
    public const string GitHubSecret = "e2e-github-secret";
    public const string InternalToken = "e2e-internal-token";

    /// <summary>A token that may read and cancel every task (<c>tasks:read</c>, <c>tasks:cancel</c>): what tests observe tasks with.</summary>
    public const string ObserverToken = "e2e-observer-token-0123456789";

    private const string ObserverLine = "    observer: {token: \"" + ObserverToken + "\", scopes: [api, tasks:read, tasks:cancel]}\n";

    private readonly string _directory;
    private readonly int _gatewayPort;
    private readonly int _runnerPort;
    private readonly Dictionary<string, string> _environment;
    private readonly Dictionary<string, string> _runnerEnvironment;

    private CodeurSystem(string directory, int gatewayPort, int runnerPort, string instanceId)
    {
        _directory = directory;
        _gatewayPort = gatewayPort;
        _runnerPort = runnerPort;
        InstanceId = instanceId;
        _environment = new() { ["E2E_TOKEN"] = Token, ["E2E_GITHUB_SECRET"] = GitHubSecret, ["E2E_INTERNAL_TOKEN"] = InternalToken };
        _runnerEnvironment = new(_environment);
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public string InstanceId { get; }

    public string Directory => _directory;

    public string ProjectsRoot => Path.Combine(_directory, "projects");

    public string AuditPath => Path.Combine(_directory, "audit.log");

    public ServiceProcess? Runner { get; private set; }

    public ServiceProcess? Gateway { get; private set; }

    /// <param name="extraYaml">More lines under <c>webhook:</c>, indented by two spaces.</param>
    /// <param name="mappingYaml">Replaces the <c>project_mapping</c> lines; <c>{projects}</c> stands for <see cref="ProjectsRoot"/>.</param>
    /// <param name="queueYaml">Replaces the <c>queue:</c> line (e.g. a queue on a small file system); <c>{directory}</c> stands for <see cref="Directory"/>.</param>
    /// <param name="runnerEnvironment">More environment for the runner (e.g. <c>DOCKER_HOST</c> through a relay).</param>
    /// <param name="environment">More environment for both services (e.g. the <c>OTEL_*</c> variables).</param>
    /// <param name="sandboxYaml">
    /// More lines under <c>sandbox:</c>, indented by four spaces. The default turns reviews off: the run template is a
    /// test double, not an agent, and <c>analyze</c> stays the built-in report.
    /// </param>
    public static async Task<CodeurSystem> StartAsync(
        string extraYaml = "", int workers = 2, string? mappingYaml = null, string? queueYaml = null, IReadOnlyDictionary<string, string>? runnerEnvironment = null,
        IReadOnlyDictionary<string, string>? environment = null, string sandboxYaml = "    review: false")
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("codeur-e2e-").FullName;
        var (gatewayPort, runnerPort) = TwoFreePorts();
        var system = new CodeurSystem(directory, gatewayPort, runnerPort, "codeur-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            system._environment[name] = value;
            system._runnerEnvironment[name] = value;
        }

        foreach (var (name, value) in runnerEnvironment ?? new Dictionary<string, string>())
        {
            system._runnerEnvironment[name] = value;
        }

        system.CreateProject("backend");
        system.CreateProject("frontend");
        var projects = system.ProjectsRoot;
        var mapping = mappingYaml?.Replace("{projects}", projects, StringComparison.Ordinal) ?? $"""
              project_mapping:
                - {"{"}pattern: "backend|api|server", path: "{projects}/backend", name: backend{"}"}
                - {"{"}pattern: "frontend|web|ui", path: "{projects}/frontend", name: frontend{"}"}
            """;
        var yaml = $"""
            webhook:
              host: "127.0.0.1"
              port: {system._gatewayPort}
              workers: {workers}
              auth_token: "${"{"}E2E_TOKEN{"}"}"
              github_webhook_secret: "${"{"}E2E_GITHUB_SECRET{"}"}"
              rate_limit: 10000
              address_rate_limit: 10000
              timeout: 60
            {mapping}
              forbidden_paths: ["/etc", "/var", "/root", "~/.ssh"]
              runner: {"{"}url: "http://127.0.0.1:{system._runnerPort}", internal_token: "${"{"}E2E_INTERNAL_TOKEN{"}"}", instance_id: "{system.InstanceId}", shutdown_grace: 5{"}"}
              sandbox:
                memory: "256m"
                cpus: 1
                sweep_interval: 5
                commands: {"{"}run: ["bash", "-c", "printf '%s' \"$1\" > \"task-$(date +%s%N).txt\"; case \"$1\" in slow*) sleep 30;; chatty*) for i in 1 2 3; do echo line-$i; sleep 0.4; done;; ticking*) for i in $(seq 1 150); do echo tick-$i; sleep 0.3; done;; esac; echo done", "agent", "{"{"}task{"}"}"]{"}"}
            {sandboxYaml}
              {queueYaml?.Replace("{directory}", directory, StringComparison.Ordinal) ?? $"queue: {"{"}backend: sqlite, path: \"{directory}/codeur.db\"{"}"}"}
              audit: {"{"}path: "{directory}/audit.log"{"}"}
            {extraYaml}
            """;
        // Tests observe every task through the observer token; a test's own tokens block gets it too.
        yaml = yaml.Contains("\n  tokens:\n", StringComparison.Ordinal)
            ? yaml.Replace("\n  tokens:\n", "\n  tokens:\n" + ObserverLine, StringComparison.Ordinal)
            : yaml.TrimEnd() + "\n  tokens:\n" + ObserverLine;
        await File.WriteAllTextAsync(system.ConfigPath, yaml, TestContext.Current.CancellationToken);
        await system.StartRunnerAsync();
        await system.StartGatewayAsync();
        return system;
    }

    /// <summary>Starts the gateway (again, after a stop or a kill) on the same port and config.</summary>
    public async Task StartGatewayAsync()
    {
        Gateway = ServiceProcess.Start("Gateway", ConfigPath, Path.Combine(_directory, "gateway.log"), _environment);
        await Gateway.WaitHealthyAsync(new Uri(GatewayUrl, "/health"));
    }

    /// <summary>The gateway's address, what platforms and clients call.</summary>
    public Uri GatewayUrl => new($"http://127.0.0.1:{_gatewayPort}");

    public string ConfigPath => Path.Combine(_directory, ".agent.yaml");

    /// <summary>The runner's own address (health and metrics need no credential there).</summary>
    public Uri RunnerUrl => new($"http://127.0.0.1:{_runnerPort}");

    public async Task StartRunnerAsync()
    {
        Runner = ServiceProcess.Start("Runner", ConfigPath, Path.Combine(_directory, "runner.log"), _runnerEnvironment);
        await Runner.WaitHealthyAsync(new Uri($"http://127.0.0.1:{_runnerPort}/health"));
    }

    public string CreateProject(string name)
    {
        var path = Path.Combine(ProjectsRoot, name);
        System.IO.Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "README.md"), $"# {name}\n");
        File.WriteAllText(Path.Combine(path, "main.py"), "print('hello')\n");
        // The sandbox runs as uid 10001 and must be able to write into the project.
        File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
        return path;
    }

    public static HttpRequestMessage Bearer(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public static HttpRequestMessage GitHub(string eventName, string json, string delivery)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var signature = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(GitHubSecret), body));
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    public async Task<JsonElement> SendJsonAsync(HttpRequestMessage request, HttpStatusCode expected)
    {
        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (expected != response.StatusCode)
        {
            Assert.Fail($"expected {(int)expected}, got {(int)response.StatusCode}: {text}\n--- runner log (tail) ---\n{await TailAsync(Runner)}\n--- gateway log (tail) ---\n{await TailAsync(Gateway)}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> TailAsync(ServiceProcess? process)
    {
        if (process is null)
        {
            return "(not started)";
        }

        var lines = (await process.ReadLogAsync()).Split('\n');
        return string.Join('\n', lines.TakeLast(30));
    }

    /// <summary>A request with <see cref="ObserverToken"/>, which reads and cancels any task.</summary>
    public static HttpRequestMessage Observer(HttpMethod method, string path)
    {
        var request = Bearer(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ObserverToken);
        return request;
    }

    public async Task<JsonElement> GetTaskAsync(string id) =>
        await SendJsonAsync(Observer(HttpMethod.Get, $"/api/tasks/{id}"), HttpStatusCode.OK);

    /// <summary>Polls (bounded) until the task reaches a final state and returns it.</summary>
    public async Task<JsonElement> WaitFinishedAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var task = await GetTaskAsync(id);
            var state = task.GetProperty("state").GetString();
            if (state is not ("queued" or "running"))
            {
                return task;
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {id} still {state} after the timeout");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public async Task WaitStateAsync(string id, string state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while ((await GetTaskAsync(id)).GetProperty("state").GetString() != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"task {id} never reached {state}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public IReadOnlyList<string> TaskFiles(string project) =>
        [.. System.IO.Directory.GetFiles(Path.Combine(ProjectsRoot, project), "task-*.txt").Select(File.ReadAllText)];

    /// <summary>Two distinct free ports: both listeners are held open together, so the OS cannot hand out one twice.</summary>
    private static (int, int) TwoFreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Runner is not null)
        {
            try
            {
                await Runner.TerminateAsync(TimeSpan.FromSeconds(15));
            }
            catch (OperationCanceledException)
            {
            }

            await Runner.DisposeAsync();
        }

        // A failed test may leave containers; they carry this system's unique runner label.
        foreach (var id in await DockerCli.RunAsync("ps", "-aq", "--filter", $"label=codeur.runner={InstanceId}"))
        {
            await DockerCli.RunAsync("rm", "-f", id);
        }

        try
        {
            // CODEUR_E2E_KEEP=1 keeps config, logs, queue and projects for a post-mortem.
            if (Environment.GetEnvironmentVariable("CODEUR_E2E_KEEP") != "1")
            {
                System.IO.Directory.Delete(_directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
