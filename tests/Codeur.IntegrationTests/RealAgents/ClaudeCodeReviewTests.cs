using System.Text.Json.Nodes;
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
            Id = Guid.NewGuid().ToString("N"), Sequence = 1, Platform = "github", Command = "analyze", Args = [], Project = "p",
            ProjectPath = project.Path, Requester = "octo", State = TaskState.Running, CreatedAt = DateTimeOffset.UtcNow,
        };
        var output = new TaskOutput();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(5));

        var outcome = await executor.ExecuteAsync(task, output, cts.Token);

        var requests = model.Requests;
        var trace = $"{outcome.State}: {outcome.Error}\n{outcome.Output}\nlog:\n{output.Snapshot()}\nmodel saw {requests.Count} request(s): {string.Join(", ", requests.Select(r => r.Path))}";
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
        Assert.DoesNotContain(ApiKey, output.Snapshot(), StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage("the refused write, as the CLI reported it: " + result.ToJsonString());
    }
}
