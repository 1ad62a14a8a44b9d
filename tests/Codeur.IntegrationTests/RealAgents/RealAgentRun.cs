using Codeur.Configuration;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// One task of a real agent CLI against a scripted model server, as the runner's worker runs it: the agent's image
/// (built by <c>deploy/agents/build-offline.sh</c>) on the scripted model's network, a fresh git project, and the
/// production executor over the real sandbox with the preset's credentials read from the variables as the runner reads
/// its environment. Start the scripted server on <see cref="Network"/>'s address.
/// </summary>
internal sealed class RealAgentRun : IAsyncDisposable
{
    private readonly DockerFixture _docker;
    private readonly string _agent;
    private readonly Func<string, string?> _variables;

    private RealAgentRun(DockerFixture docker, ScriptedModelNetwork network, ProjectDirectory project, string agent, Func<string, string?> variables)
    {
        _docker = docker;
        Network = network;
        Project = project;
        _agent = agent;
        _variables = variables;
    }

    public ScriptedModelNetwork Network { get; }

    public ProjectDirectory Project { get; }

    public TaskOutput Output { get; } = new();

    /// <param name="runArgv">The <c>run</c> argv; default: the preset's.</param>
    /// <param name="reviewPrompt">When set, <c>analyze</c> is a review by the agent with this prompt.</param>
    public static async Task<RealAgentRun> StartAsync(
        DockerFixture docker, string agent, Func<string, string?> variables, IReadOnlyList<string>? runArgv = null, string? reviewPrompt = null)
    {
        docker.RequireDocker();
        var image = await AgentImage.RequireAsync(agent);
        var network = await ScriptedModelNetwork.StartAsync(docker, image, runArgv ?? AgentPresets.Find(agent)!.Run, reviewPrompt);
        var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        return new RealAgentRun(docker, network, project, agent, variables);
    }

    public async ValueTask DisposeAsync()
    {
        Project.Dispose();
        await Network.DisposeAsync();
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskRecord task)
    {
        var credentials = AgentCredentials.FromConfig(new SandboxSection { Agent = _agent }, _variables);
        var options = Network.Options;
        var sandbox = new SandboxExecutor(_docker.Runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(),
            TimeProvider.System, NullLogger<SandboxExecutor>.Instance, Network.Proxy);
        var executor = new SandboxTaskExecutor(sandbox, new SandboxCommands(options), options, credentials, new NoPublishing());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(5));
        return await executor.ExecuteAsync(task, Output, cts.Token);
    }

    /// <summary>A task on <see cref="Project"/> as intake would queue it (<c>run</c> in its own worktree; anything else in place).</summary>
    public TaskRecord Task(string command, IReadOnlyList<string> args) => new()
    {
        Id = Guid.NewGuid().ToString("N"), Sequence = 1, Platform = "api", Command = command, Args = args, Project = "p",
        ProjectPath = Project.Path, Requester = "tester", State = TaskState.Running, CreatedAt = DateTimeOffset.UtcNow, Worktree = command == "run",
    };

    /// <summary>What to print when an assertion fails: the ending, the output, what the model saw, the proxy's log.</summary>
    public async Task<string> TraceAsync(TaskOutcome outcome, IReadOnlyList<ModelRequest> requests)
    {
        // To see what the CLI sent: CODEUR_DEBUG_MODEL_DIR=/some/dir.
        if (Environment.GetEnvironmentVariable("CODEUR_DEBUG_MODEL_DIR") is { Length: > 0 } debugDir)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(debugDir, $"{_agent}-request-{i}.json"), requests[i].Path + "\n" + requests[i].Body, TestContext.Current.CancellationToken);
            }
        }

        return $"{outcome.State}: {outcome.Error}\n{outcome.Output}\nlog:\n{Output.Snapshot()}\nmodel saw {requests.Count} request(s): "
            + $"{string.Join(", ", requests.Select(r => r.Path))}\nproxy:\n{await Network.ProxyLogAsync()}";
    }
}
