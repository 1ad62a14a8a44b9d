using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Publishing;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;

namespace Codeur.IntegrationTests.Publishing;

/// <summary>
/// The agent cannot reach the forge credential through the push: an agent that plants a storing credential helper
/// and a pre-push hook in the repository's config gets the token from a plain push in the project (the attack
/// works), and nothing from the runner's push (it never reads the project's config).
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class PushIsolationTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>
{
    [Fact]
    public async Task Push_AgentPlantedCredentialHelperAndHook_TokenNotStolenButAPlainPushLeaksIt()
    {
        docker.RequireDocker();
        image.Require();
        await using var kit = await PublishingTestKit.StartAsync(docker);
        var (project, remote, _, config) = await kit.DemoAsync();
        var task = PublishingTestKit.Task(project.Path, "plant a credential trap");

        var (outcome, live) = await kit.RunAsync(config, task);

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        Assert.Contains("fake-agent: planted a credential trap", live, StringComparison.Ordinal);
        Assert.Contains("fake-agent: forge token unset", live, StringComparison.Ordinal);
        Assert.Equal(outcome.Git!.HeadCommit, await kit.Forge.BranchHeadAsync("demo", outcome.Git.Branch));
        Assert.False(File.Exists(project.Combine("stolen-credential.txt")), "the planted helper ran during the runner's push");
        Assert.False(File.Exists(project.Combine("hook-ran.txt")), "the planted hook ran during the runner's push");

        // The push container mounts the project read-only, so a trap that ran there could not leave its file: it would
        // leave its shell's complaint in the output instead.
        Assert.DoesNotContain("stolen-credential.txt", outcome.Output + live, StringComparison.Ordinal);
        Assert.DoesNotContain("hook-ran.txt", outcome.Output + live, StringComparison.Ordinal);

        // The same token and helper, but git pushing from the project's repository (reading its config) with the project
        // writable as the agent's own container has it: the trap springs.
        var options = AgentTestKit.Options(docker);
        var sandbox = docker.Executor(options);
        string[] environment =
        [
            BranchPusher.TokenVariable + "=" + PublishingTestKit.Token,
            "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=credential.helper", "GIT_CONFIG_VALUE_0=" + BranchPusher.CredentialHelper,
        ];
        var plain = await sandbox.RunAsync(new SandboxRequest(task.Id + "-plain", project.Path,
            ["git", "push", remote, outcome.Git.HeadCommit + ":refs/heads/plain"], TimeSpan.FromSeconds(60), Environment: environment, Network: kit.Network, Command: "run"),
            TestContext.Current.CancellationToken);

        Assert.True(plain.Ending == SandboxEnding.Succeeded, plain.Output);
        Assert.Contains("password=" + PublishingTestKit.Token, await File.ReadAllTextAsync(project.Combine("stolen-credential.txt"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(File.Exists(project.Combine("hook-ran.txt")));
    }
}
