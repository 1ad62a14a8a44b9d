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
/// One task of a real agent CLI against a scripted model server, as the runner's worker runs it: the production
/// executor over the real sandbox on the scripted model's network, the preset's credentials read from
/// <paramref name="variables"/> as the runner reads its environment.
/// </summary>
internal sealed class RealAgentRun(DockerFixture docker, ScriptedModelNetwork network, string agent, Func<string, string?> variables)
{
    public TaskOutput Output { get; } = new();

    public async Task<TaskOutcome> ExecuteAsync(TaskRecord task)
    {
        var credentials = AgentCredentials.FromConfig(new SandboxSection { Agent = agent }, variables);
        var options = network.Options;
        var sandbox = new SandboxExecutor(docker.Runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(),
            TimeProvider.System, NullLogger<SandboxExecutor>.Instance, network.Proxy);
        var executor = new SandboxTaskExecutor(sandbox, new SandboxCommands(options), options, credentials, new NoPublishing());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(5));
        return await executor.ExecuteAsync(task, Output, cts.Token);
    }

    /// <summary>A task as intake would queue it (<c>run</c> in its own worktree; anything else in place).</summary>
    public static TaskRecord Task(string command, IReadOnlyList<string> args, ProjectDirectory project) => new()
    {
        Id = Guid.NewGuid().ToString("N"), Sequence = 1, Platform = "api", Command = command, Args = args, Project = "p",
        ProjectPath = project.Path, Requester = "tester", State = TaskState.Running, CreatedAt = DateTimeOffset.UtcNow, Worktree = command == "run",
    };

    /// <summary>What to print when an assertion fails: the ending, the output, what the model saw, the proxy's log.</summary>
    public async Task<string> TraceAsync(TaskOutcome outcome, IReadOnlyList<ModelRequest> requests)
    {
        // To see what the CLI sent: CODEUR_DEBUG_MODEL_DIR=/some/dir.
        if (Environment.GetEnvironmentVariable("CODEUR_DEBUG_MODEL_DIR") is { Length: > 0 } debugDir)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(debugDir, $"{agent}-request-{i}.json"), requests[i].Path + "\n" + requests[i].Body, TestContext.Current.CancellationToken);
            }
        }

        return $"{outcome.State}: {outcome.Error}\n{outcome.Output}\nlog:\n{Output.Snapshot()}\nmodel saw {requests.Count} request(s): "
            + $"{string.Join(", ", requests.Select(r => r.Path))}\nproxy:\n{await network.ProxyLogAsync()}";
    }
}
