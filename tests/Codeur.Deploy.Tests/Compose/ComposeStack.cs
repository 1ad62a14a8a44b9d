using System.Net;
using System.Net.Sockets;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Compose;

/// <summary>
/// docker-compose.yml brought up as its own project (unique name, free port, temporary projects directory with
/// a demo git project) and torn down with <c>down -t 1 -v</c>.
/// </summary>
public sealed class ComposeStack : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly Dictionary<string, string> _secrets;
    private bool _up;

    private ComposeStack(string project, string projectsDir, int port, Dictionary<string, string> environment, Dictionary<string, string> secrets)
    {
        _secrets = secrets;
        Project = project;
        ProjectsDir = projectsDir;
        Port = port;
        _environment = environment;
    }

    public string Project { get; }

    public string ProjectsDir { get; }

    public int Port { get; }

    public string BearerToken => _secrets["AGENT_WEBHOOK_TOKEN"];

    /// <summary>A token with <c>tasks:read</c> and <c>tasks:cancel</c>: it reads tasks created from the platforms.</summary>
    public string OperatorToken => _secrets["CODEUR_OPERATOR_TOKEN"];

    public string GitHubSecret => _secrets["GITHUB_WEBHOOK_SECRET"];

    /// <summary>The runner's reply token (in runner.env only).</summary>
    public string GitHubToken => _secrets["GITHUB_TOKEN"];

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public static async Task<ComposeStack> CreateAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        // Under /tmp, not the test's temp folder: the path is mounted at the same place in the runner and the sandbox.
        var projects = Directory.CreateDirectory($"/tmp/codeur-compose-{id}").FullName;
        var demo = Directory.CreateDirectory(Path.Combine(projects, "demo")).FullName;
        await File.WriteAllTextAsync(Path.Combine(demo, "README.md"), "# Demo\n");
        foreach (var git in new[] { new[] { "init", "-q", "-b", "main" }, ["add", "-A"], ["-c", "user.name=ci", "-c", "user.email=ci@localhost", "commit", "-qm", "demo"] })
        {
            (await Tool.RunAsync("git", git, TimeSpan.FromSeconds(30), workingDirectory: demo)).EnsureSuccess("git " + git[0]);
        }

        (await Tool.RunAsync("chown", ["-R", "10001:10001", demo], TimeSpan.FromSeconds(30))).EnsureSuccess("chown the demo project to the sandbox user");
        // Each service's secrets in its own env file, as deploy/compose/*.env.example lay them out.
        var secrets = Directory.CreateDirectory($"/tmp/codeur-compose-{id}-env").FullName;
        var internalToken = Secret();
        var gatewaySecrets = new Dictionary<string, string>
        {
            ["AGENT_WEBHOOK_TOKEN"] = Secret(),
            ["CODEUR_INTERNAL_TOKEN"] = internalToken,
            ["GITHUB_WEBHOOK_SECRET"] = Secret(),
            ["CODEUR_OPERATOR_TOKEN"] = Secret(),
        };
        var runnerSecrets = new Dictionary<string, string>
        {
            ["CODEUR_INTERNAL_TOKEN"] = internalToken,
            ["GITHUB_TOKEN"] = "ghp_" + Secret(),
        };
        await File.WriteAllLinesAsync(Path.Combine(secrets, "gateway.env"), gatewaySecrets.Select(kv => $"{kv.Key}={kv.Value}"));
        await File.WriteAllLinesAsync(Path.Combine(secrets, "runner.env"), runnerSecrets.Select(kv => $"{kv.Key}={kv.Value}"));

        // The shipped agent.yaml plus what an operator adds to watch work (docs/CONFIGURATION.md, "Who may do what"): a token that may
        // read and cancel tasks it did not create, such as this one from a GitHub comment. The rest is unchanged.
        var shipped = await File.ReadAllTextAsync(Repo.Path("deploy/compose/agent.yaml"));
        var config = Path.Combine(secrets, "agent.yaml");
        var withOperator = shipped.Replace(
            "  auth_token: \"${AGENT_WEBHOOK_TOKEN:-}\"\n",
            "  auth_token: \"${AGENT_WEBHOOK_TOKEN:-}\"\n  tokens: {operator: {token: \"${CODEUR_OPERATOR_TOKEN}\", scopes: [api, \"tasks:read\", \"tasks:cancel\"]}}\n",
            StringComparison.Ordinal);
        Assert.NotEqual(shipped, withOperator);
        await File.WriteAllTextAsync(config, withOperator);
        var environment = new Dictionary<string, string>
        {
            ["CODEUR_GATEWAY_ENV"] = Path.Combine(secrets, "gateway.env"),
            ["CODEUR_RUNNER_ENV"] = Path.Combine(secrets, "runner.env"),
            ["CODEUR_CONFIG"] = config,
            ["CODEUR_PROJECTS_DIR"] = projects,
            ["DOCKER_GID"] = await Docker.SocketGroupAsync(),
            ["CODEUR_BIND"] = "127.0.0.1",
            ["CODEUR_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new ComposeStack("codeur-ci-" + id, projects, int.Parse(environment["CODEUR_PORT"], System.Globalization.CultureInfo.InvariantCulture), environment,
            new Dictionary<string, string>(gatewaySecrets.Concat(runnerSecrets.Where(kv => kv.Key != "CODEUR_INTERNAL_TOKEN"))));
    }

    public Task<ToolResult> ComposeAsync(TimeSpan timeout, params string[] arguments) =>
        Tool.RunAsync("docker-compose", ["-p", Project, "-f", Repo.Path("docker-compose.yml"), .. arguments], timeout, _environment);

    public async Task UpAsync()
    {
        _up = true;
        (await ComposeAsync(TimeSpan.FromMinutes(5), "up", "-d", "--no-build")).EnsureSuccess("docker-compose up");
    }

    /// <summary>The container id of a service.</summary>
    public async Task<string> ContainerAsync(string service) =>
        (await ComposeAsync(TimeSpan.FromSeconds(30), "ps", "-q", service)).EnsureSuccess("docker-compose ps").Output.Trim();

    public async Task<ToolResult> DownAsync()
    {
        _up = false;
        return await ComposeAsync(TimeSpan.FromMinutes(2), "down", "-t", "1", "-v");
    }

    public async ValueTask DisposeAsync()
    {
        if (_up)
        {
            await DownAsync();
        }

        await Tool.RunAsync("rm", ["-rf", "--", ProjectsDir, ProjectsDir + "-env"], TimeSpan.FromSeconds(30));
    }

    private static string Secret() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
