using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>Shared plumbing of the agent tests: options for the fake-agent image, the production task executor, git on the host.</summary>
internal static class AgentTestKit
{
    public const string Secret = "sk-fake-0123456789abcdef";

    public static SandboxOptions Options(DockerFixture docker, string network = "none", string? egressNetwork = null, IReadOnlyList<string>? allow = null) => new()
    {
        Image = FakeAgentImage.Tag,
        PidsLimit = 256,
        MemoryBytes = 512L << 20,
        TmpSizeBytes = 32L << 20,
        NanoCpus = 1_000_000_000,
        Timeout = TimeSpan.FromSeconds(90),
        DockerCallTimeout = TimeSpan.FromSeconds(30),
        InstanceId = docker.InstanceId,
        NetworkMode = network,
        EgressNetwork = egressNetwork ?? "codeur-egress",
        EgressAllow = allow ?? [],
        EgressProxyImage = FakeAgentImage.ProxyImage,
        Commands = new Dictionary<string, IReadOnlyList<string>> { ["run"] = ["fake-agent", "{task}"] },
    };

    public static AgentCredentials Credentials() =>
        AgentCredentials.FromConfig(new Codeur.Configuration.SandboxSection { Env = ["FAKE_API_KEY"] }, name => name == "FAKE_API_KEY" ? Secret : null);

    public static async Task<(TaskOutcome Outcome, string Live, string Id)> RunAsync(
        DockerFixture docker, SandboxOptions options, string projectPath, string command, string text, EgressProxy? egress = null)
    {
        var sandbox = new SandboxExecutor(docker.Runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(),
            TimeProvider.System, NullLogger<SandboxExecutor>.Instance, egress);
        var executor = new SandboxTaskExecutor(sandbox, new SandboxCommands(options), options, Credentials(), new NoPublishing());
        var task = new TaskRecord
        {
            Id = Guid.NewGuid().ToString("N"),
            Sequence = 1,
            Platform = "api",
            Command = command,
            Args = [text],
            Project = "p",
            ProjectPath = projectPath,
            Requester = "tester",
            State = TaskState.Running,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var output = new TaskOutput();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var outcome = await executor.ExecuteAsync(task, output, cts.Token);
        return (outcome, output.Snapshot(), task.Id);
    }

    /// <summary>A git repository with one commit, writable by the sandbox user (its .git too).</summary>
    public static async Task<string> InitRepositoryAsync(ProjectDirectory project)
    {
        await File.WriteAllTextAsync(project.Combine("README.md"), "# demo\n");
        await File.WriteAllTextAsync(project.Combine("user-notes.txt"), "the user's uncommitted work\n");
        await GitAsync(project.Path, "init", "-q", "-b", "main");
        await GitAsync(project.Path, "add", "README.md");
        await GitAsync(project.Path, "commit", "-q", "-m", "first commit");
        await OpenToSandboxUserAsync(project.Path);
        return (await GitAsync(project.Path, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>Git on the host writes as root; the sandbox user (10001) must be able to add objects and refs.</summary>
    public static async Task OpenToSandboxUserAsync(string path)
    {
        var (code, output) = await FakeAgentImage.RunAsync("chmod", ["-R", "a+rwX", path], TimeSpan.FromSeconds(30));
        Assert.True(code == 0, output);
    }

    public static async Task<string> GitAsync(string directory, params string[] args)
    {
        var (code, output) = await FakeAgentImage.RunAsync("git",
            ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "safe.directory=*", .. args], TimeSpan.FromSeconds(30), directory);
        Assert.True(code == 0, $"git {string.Join(' ', args)} failed: {output}");
        return output;
    }
}
