using System.Text.Json.Nodes;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Queue;
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
        await using var agent = await RealAgentRun.StartAsync(docker, "claude-code", name => name switch
        {
            "ANTHROPIC_API_KEY" => ApiKey,
            "ANTHROPIC_BASE_URL" => "http://" + ScriptedModelNetwork.HostName,
            _ => null,
        }, reviewPrompt: Prompt);
        await using var model = await ScriptedAnthropicServer.StartReviewAsync(agent.Network.Address, 80);
        var statusBefore = await AgentTestKit.GitAsync(agent.Project.Path, "status", "--porcelain");

        var task = agent.Task("analyze", []);
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
        Assert.False(File.Exists(Path.Combine(agent.Project.Path, ScriptedModelServer.ReviewAttemptFile)), trace);
        Assert.Equal(statusBefore, await AgentTestKit.GitAsync(agent.Project.Path, "status", "--porcelain"));

        Assert.All(requests, r => Assert.Equal(ApiKey, r.Headers.GetValueOrDefault("x-api-key")));
        Assert.DoesNotContain(ApiKey, agent.Output.Snapshot(), StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage("the refused write, as the CLI reported it: " + result.ToJsonString());
    }
}
