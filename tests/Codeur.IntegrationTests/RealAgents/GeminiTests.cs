using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// The <c>gemini</c> preset against the unmodified Gemini CLI (the pinned npm package's bundle on the Node.js runtime
/// that <c>deploy/agents/build-offline.sh gemini</c> stages), in our sandbox, talking to a scripted Gemini API server
/// only through the egress proxy, named by <c>GOOGLE_GEMINI_BASE_URL</c>.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class GeminiTests(DockerFixture docker)
{
    private const string ApiKey = "AIzaScripted0123456789abcdefghijklmnopq";
    private const string TaskText = "Create GREETING.md with a greeting, then edit it";

    [Fact]
    public async Task Run_GeminiPresetAgainstScriptedModel_FileCreatedAndEditedOnTheTaskBranch()
    {
        await using var agent = await RealAgentRun.StartAsync(docker, "gemini", name => name switch
        {
            "GEMINI_API_KEY" => ApiKey,
            "GOOGLE_GEMINI_BASE_URL" => $"http://{ScriptedModelNetwork.HostName}",
            _ => null,
        });
        await using var model = await ScriptedGeminiServer.StartAsync(agent.Network.Address, 80);

        var task = agent.Task("run", [TaskText]);
        var outcome = await agent.ExecuteAsync(task);

        var requests = model.Requests;
        var trace = await agent.TraceAsync(outcome, requests);
        Assert.True(outcome.State == TaskState.Succeeded, trace);
        var git = outcome.Git;
        Assert.NotNull(git);
        Assert.True(git.HasChanges, trace);
        Assert.Equal(ScriptedModelServer.Edited, await AgentTestKit.GitAsync(agent.Project.Path, "show", $"{git.Branch}:{ScriptedModelServer.FileName}"));

        var ended = task with { State = outcome.State, Output = outcome.Output, Git = git, StartedAt = task.CreatedAt, FinishedAt = DateTimeOffset.UtcNow };
        using var view = JsonDocument.Parse(JsonSerializer.Serialize(TaskView.From(ended, DateTimeOffset.UtcNow), RunnerJson.Options));
        Assert.Equal(git.Branch, view.RootElement.GetProperty("git").GetProperty("branch").GetString());

        // The conversation went to the scripted API, streamed (alt=sse), with the task text and the key on every call.
        var conversation = requests.Where(r => r.Path.Contains(":streamGenerateContent?alt=sse", StringComparison.Ordinal)
            && r.Body.Contains("\"write_file\"", StringComparison.Ordinal)).ToList();
        Assert.True(conversation.Count >= 3, trace);
        Assert.Contains(TaskText, conversation[0].Body, StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Equal(ApiKey, r.Headers.GetValueOrDefault("x-goog-api-key") ?? QueryKey(r.Path)));
        Assert.Contains(ScriptedModelNetwork.HostName, await agent.Network.ProxyLogAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, agent.Output.Snapshot(), StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, outcome.Output, StringComparison.Ordinal);
    }

    private static string? QueryKey(string path) =>
        path.Split('?', 2) is [_, var query] ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).GetValueOrDefault("key").ToString() : null;
}
