using System.Text.Json.Nodes;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;

namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// A review by the unmodified Claude Code CLI: <c>analyze</c> with the <c>claude-code</c> preset runs it with the review
/// prompt on the project mounted read-only; the scripted model first has it write a file (refused: the checkout is
/// read-only), then answers a review, and that answer alone is the task's output, which the ending reply carries
/// (<c>ReviewTests</c> shows the reply posted on the pull request).
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ClaudeCodeReviewTests(DockerFixture docker)
{
    private const string ApiKey = "sk-ant-scripted-review-0123456789";
    private const string Prompt = "Review this project for bugs";

    [Fact]
    public async Task Analyze_ClaudeCodePresetAgainstScriptedModel_AnswerIsTheOutputAndItsWriteWasRefused()
    {
        docker.RequireDocker();
        var image = await AgentImage.RequireAsync("claude-code");
        var preset = AgentPresets.Find("claude-code")!;
        await using var network = await ScriptedModelNetwork.StartAsync(docker, image, preset.Run, reviewPrompt: Prompt);
        await using var model = await ScriptedAnthropicServer.StartReviewAsync(network.Address, 80);
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        var statusBefore = await AgentTestKit.GitAsync(project.Path, "status", "--porcelain");

        var agent = new RealAgentRun(docker, network, "claude-code", name => name switch
        {
            "ANTHROPIC_API_KEY" => ApiKey,
            "ANTHROPIC_BASE_URL" => "http://" + ScriptedModelNetwork.HostName,
            _ => null,
        });
        var task = RealAgentRun.Task("analyze", [], project);
        var outcome = await agent.ExecuteAsync(task);

        var requests = model.Requests;
        var trace = await agent.TraceAsync(outcome, requests);
        Assert.True(outcome.State == TaskState.Succeeded, trace);
        Assert.Equal(ScriptedModelServer.ReviewText, outcome.Output?.Trim());

        // The prompt reached the model; the agent's write came back to it as a failed tool call, and nothing was written.
        var conversation = requests.Where(r => r.Body.Contains("\"Write\"", StringComparison.Ordinal)).ToList();
        Assert.True(conversation.Count >= 2, trace);
        Assert.Contains(Prompt, conversation[0].Body, StringComparison.Ordinal);
        var results = (JsonNode.Parse(conversation[^1].Body)!["messages"] as JsonArray ?? [])
            .SelectMany(m => m?["content"] as JsonArray ?? []).Where(b => b?["type"]?.GetValue<string>() == "tool_result").ToList();
        var result = Assert.Single(results);
        Assert.True(result!["is_error"]?.GetValue<bool>() == true, "the write was not reported as failed: " + result.ToJsonString());
        Assert.False(File.Exists(Path.Combine(project.Path, ScriptedModelServer.ReviewAttemptFile)), trace);
        Assert.Equal(statusBefore, await AgentTestKit.GitAsync(project.Path, "status", "--porcelain"));

        Assert.All(requests, r => Assert.Equal(ApiKey, r.Headers.GetValueOrDefault("x-api-key")));
        Assert.DoesNotContain(ApiKey, agent.Output.Snapshot(), StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage("the refused write, as the CLI reported it: " + result.ToJsonString());
    }
}
