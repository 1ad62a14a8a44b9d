using System.Text.Json;
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
/// The <c>claude-code</c> preset against the unmodified Claude Code CLI (the pinned npm package's binary in the image
/// <c>deploy/agents/build-offline.sh</c> builds), in our sandbox, talking to a scripted Anthropic Messages server only
/// through the egress proxy. This is the preset's proof: the argv, the credential and base-URL handling, the git result.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ClaudeCodeTests(DockerFixture docker)
{
    private const string ApiKey = "sk-ant-scripted-0123456789abcdef";
    private const string TaskText = "Create GREETING.md with a greeting, then edit it";

    [Fact]
    public async Task Run_ClaudeCodePresetAgainstScriptedModel_FileCreatedAndEditedOnTheTaskBranch()
    {
        docker.RequireDocker();
        var image = await AgentImage.RequireAsync("claude-code");
        var preset = AgentPresets.Find("claude-code")!;
        await using var network = await ScriptedModelNetwork.StartAsync(docker, image, preset.Run);
        await using var model = await ScriptedAnthropicServer.StartAsync(network.Address, 80);
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);

        var credentials = AgentCredentials.FromConfig(new SandboxSection { Agent = "claude-code" }, name => name switch
        {
            "ANTHROPIC_API_KEY" => ApiKey,
            "ANTHROPIC_BASE_URL" => "http://" + ScriptedModelNetwork.HostName,
            _ => null,
        });
        var options = network.Options;
        var sandbox = new SandboxExecutor(docker.Runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(),
            TimeProvider.System, NullLogger<SandboxExecutor>.Instance, network.Proxy);
        var executor = new SandboxTaskExecutor(sandbox, new SandboxCommands(options), options, credentials, new NoPublishing());
        var task = new TaskRecord
        {
            Id = Guid.NewGuid().ToString("N"), Sequence = 1, Platform = "api", Command = "run", Args = [TaskText], Project = "p",
            ProjectPath = project.Path, Requester = "tester", State = TaskState.Running, CreatedAt = DateTimeOffset.UtcNow, Worktree = true,
        };
        var output = new TaskOutput();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(5));

        var outcome = await executor.ExecuteAsync(task, output, cts.Token);

        var requests = model.Requests;
        // To see what the CLI sent (tool results carry its refusals): CODEUR_DEBUG_MODEL_DIR=/some/dir.
        if (Environment.GetEnvironmentVariable("CODEUR_DEBUG_MODEL_DIR") is { Length: > 0 } debugDir)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(debugDir, $"request-{i}.json"), requests[i].Body, TestContext.Current.CancellationToken);
            }
        }

        var trace = $"{outcome.State}: {outcome.Error}\n{outcome.Output}\nmodel saw {requests.Count} request(s): {string.Join(", ", requests.Select(r => r.Path))}\nproxy:\n{await network.ProxyLogAsync()}";
        Assert.True(outcome.State == TaskState.Succeeded, trace);

        // The file, created then edited, is on the task's branch (committed by the runner as leftover changes).
        var git = outcome.Git;
        Assert.NotNull(git);
        Assert.Equal("codeur/" + task.Id, git.Branch);
        Assert.True(git.HasChanges, trace);
        var content = await AgentTestKit.GitAsync(project.Path, "show", $"{git.Branch}:{ScriptedAnthropicServer.FileName}");
        Assert.Equal(ScriptedAnthropicServer.Edited, content);
        Assert.Contains(ScriptedAnthropicServer.FileName, git.Diffstat, StringComparison.Ordinal);

        // The git result as GET /api/tasks/{id} renders it.
        var ended = task with { State = outcome.State, Output = outcome.Output, Git = git, StartedAt = task.CreatedAt, FinishedAt = DateTimeOffset.UtcNow };
        using var view = JsonDocument.Parse(JsonSerializer.Serialize(TaskView.From(ended, DateTimeOffset.UtcNow), RunnerJson.Options));
        var viewGit = view.RootElement.GetProperty("git");
        Assert.Equal(git.Branch, viewGit.GetProperty("branch").GetString());
        Assert.Equal(1, viewGit.GetProperty("files_changed").GetInt32());

        // The model server got the task text and the credential, through the proxy, all three conversation steps.
        var conversation = requests.Where(r => r.Body.Contains("\"Write\"", StringComparison.Ordinal)).ToList();
        Assert.True(conversation.Count >= 3, trace);
        Assert.Contains(TaskText, conversation[0].Body, StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Equal(ApiKey, r.Headers.GetValueOrDefault("x-api-key")));
        Assert.Contains("api.model.test", await network.ProxyLogAsync(), StringComparison.Ordinal);

        // The credential never shows in the task's output.
        Assert.DoesNotContain(ApiKey, output.Snapshot(), StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, outcome.Output, StringComparison.Ordinal);
    }
}
