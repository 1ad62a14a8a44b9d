using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// The <c>codex</c> preset against the unmodified Codex CLI (the pinned npm package's binary in the image
/// <c>deploy/agents/build-offline.sh codex</c> builds), in our sandbox, talking to a scripted OpenAI Responses server
/// only through the egress proxy.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class CodexTests(DockerFixture docker)
{
    private const string ApiKey = "sk-proj-scripted-0123456789abcdef";
    private const string TaskText = "Create GREETING.md with a greeting, then edit it";

    [Fact]
    public async Task Run_CodexPresetAgainstScriptedModel_FileCreatedAndEditedOnTheTaskBranch()
    {
        var preset = AgentPresets.Find("codex")!;
        // The preset's argv plus a provider entry for the scripted server with WebSockets off: Codex tries a WebSocket
        // transport first, which the proxy only tunnels on 443, and the scripted server speaks plain HTTP on 80.
        string[] provider =
        [
            "-c", "model_provider=\"scripted\"",
            "-c", "model_providers.scripted.name=\"scripted\"",
            "-c", $"model_providers.scripted.base_url=\"http://{ScriptedModelNetwork.HostName}/v1\"",
            "-c", "model_providers.scripted.env_key=\"OPENAI_API_KEY\"",
            "-c", "model_providers.scripted.wire_api=\"responses\"",
            "-c", "model_providers.scripted.supports_websockets=false",
        ];
        await using var agent = await RealAgentRun.StartAsync(docker, "codex", name => name switch
        {
            "OPENAI_API_KEY" => ApiKey,
            "OPENAI_BASE_URL" => $"http://{ScriptedModelNetwork.HostName}/v1",
            _ => null,
        }, runArgv: [.. preset.Run.Take(2), .. provider, .. preset.Run.Skip(2)]);
        await using var model = await ScriptedResponsesServer.StartAsync(agent.Network.Address, 80);

        var task = agent.Task("run", [TaskText]);
        var outcome = await agent.ExecuteAsync(task);

        var requests = model.Requests;
        var trace = await agent.TraceAsync(outcome, requests);
        Assert.True(outcome.State == TaskState.Succeeded, trace);
        var git = outcome.Git;
        Assert.NotNull(git);
        Assert.True(git.HasChanges, trace);
        Assert.Equal(ScriptedResponsesServer.Edited, await AgentTestKit.GitAsync(agent.Project.Path, "show", $"{git.Branch}:{ScriptedResponsesServer.FileName}"));

        var ended = task with { State = outcome.State, Output = outcome.Output, Git = git, StartedAt = task.CreatedAt, FinishedAt = DateTimeOffset.UtcNow };
        using var view = JsonDocument.Parse(JsonSerializer.Serialize(TaskView.From(ended, DateTimeOffset.UtcNow), RunnerJson.Options));
        Assert.Equal(git.Branch, view.RootElement.GetProperty("git").GetProperty("branch").GetString());

        var conversation = requests.Where(r => r.Path.StartsWith("POST /v1/responses", StringComparison.Ordinal)).ToList();
        Assert.True(conversation.Count >= 3, trace);
        Assert.Contains(TaskText, conversation[0].Body, StringComparison.Ordinal);
        Assert.All(conversation, r => Assert.Equal("Bearer " + ApiKey, r.Headers.GetValueOrDefault("Authorization")));
        Assert.DoesNotContain(ApiKey, agent.Output.Snapshot(), StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, outcome.Output, StringComparison.Ordinal);
    }
}
