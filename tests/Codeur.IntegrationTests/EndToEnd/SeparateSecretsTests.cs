using System.Text;
using Codeur.IntegrationTests.Sandbox;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>
/// Separate environment files, as real processes: one <c>.agent.yaml</c> naming a runner-only secret in the spec's
/// strict form (<c>${NAME}</c>, no default), the gateway started with only its own variables. Before the split the
/// gateway refused to start without the runner's reply token in its environment; now it starts, and its process
/// environment holds none of the runner's secrets.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class SeparateSecretsTests(DockerFixture docker)
{
    private const string ReplyToken = "ghp_e2e_reply_token_0123456789";

    [Fact]
    public async Task Gateway_StartedWithOnlyItsEnvFile_RunsAndNeverHoldsTheRunnersSecrets()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(
            extraYaml: "  github_token: \"${E2E_REPLY_TOKEN}\"",
            runnerEnvironment: new Dictionary<string, string> { ["E2E_REPLY_TOKEN"] = ReplyToken });

        var gateway = await File.ReadAllTextAsync($"/proc/{system.Gateway!.Id}/environ", Encoding.UTF8, TestContext.Current.CancellationToken);
        var runner = await File.ReadAllTextAsync($"/proc/{system.Runner!.Id}/environ", Encoding.UTF8, TestContext.Current.CancellationToken);

        Assert.Contains("E2E_TOKEN=" + CodeurSystem.Token, gateway.Split('\0'));
        Assert.DoesNotContain(gateway.Split('\0'), v => v.StartsWith("E2E_REPLY_TOKEN=", StringComparison.Ordinal));
        Assert.DoesNotContain(ReplyToken, gateway, StringComparison.Ordinal);
        Assert.Contains("E2E_REPLY_TOKEN=" + ReplyToken, runner.Split('\0'));

        // The gateway forwards work as before.
        using var http = new HttpClient { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.SendAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"status","project":"backend"}"""), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }
}
