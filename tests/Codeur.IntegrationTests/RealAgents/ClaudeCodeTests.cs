using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;

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
        await using var agent = await RealAgentRun.StartAsync(docker, "claude-code", name => name switch
        {
            "ANTHROPIC_API_KEY" => ApiKey,
            "ANTHROPIC_BASE_URL" => "http://" + ScriptedModelNetwork.HostName,
            _ => null,
        });
        await using var model = await ScriptedAnthropicServer.StartAsync(agent.Network.Address, 80);

        var task = agent.Task("run", [TaskText]);
        var outcome = await agent.ExecuteAsync(task);

        var requests = model.Requests;
        var trace = await agent.TraceAsync(outcome, requests);
        Assert.True(outcome.State == TaskState.Succeeded, trace);

        // The file, created then edited, is on the task's branch (committed by the runner as leftover changes).
        var git = outcome.Git;
        Assert.NotNull(git);
        Assert.Equal("codeur/" + task.Id, git.Branch);
        Assert.True(git.HasChanges, trace);
        var content = await AgentTestKit.GitAsync(agent.Project.Path, "show", $"{git.Branch}:{ScriptedAnthropicServer.FileName}");
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
        Assert.Contains("api.model.test", await agent.Network.ProxyLogAsync(), StringComparison.Ordinal);

        // The credential never shows in the task's output.
        Assert.DoesNotContain(ApiKey, agent.Output.Snapshot(), StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, outcome.Output, StringComparison.Ordinal);
    }
}
