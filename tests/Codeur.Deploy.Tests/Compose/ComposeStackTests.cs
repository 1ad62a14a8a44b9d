using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Compose;

/// <summary>
/// docker-compose.yml on the real engine with docker-compose 1.29: up, a signed GitHub webhook through the published
/// gateway, the task run by the runner through the engine broker in a sandbox container, then down.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class ComposeStackTests(ImagesFixture images)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stack_SignedGitHubComment_TaskSucceedsThenDownLeavesNothing()
    {
        RequireCompose();
        await images.RequireAsync();
        TestContext.Current.SendDiagnosticMessage("images:\n" + images.Sizes);
        await using var stack = await ComposeStack.CreateAsync();
        await stack.UpAsync();
        using var http = new HttpClient { BaseAddress = stack.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await WaitHealthyAsync(http);

        const string Task = "Add auth to API — café ✓ <b> & \"quoted\"";
        var body = JsonSerializer.Serialize(new
        {
            action = "created",
            issue = new { number = 1 },
            comment = new { body = $"!agent run '{Task}'", user = new { login = "octo", type = "User" }, author_association = "OWNER" },
            repository = new { full_name = "octo/demo" },
            sender = new { login = "octo", type = "User" },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhook/github") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", "issue_comment");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(stack.GitHubSecret), Encoding.UTF8.GetBytes(body))));
        using var accepted = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var taskId = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("task_id").GetString()!;

        var task = await WaitFinishedAsync(http, stack.OperatorToken, taskId);
        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Contains(Task, task.GetProperty("output").GetString(), StringComparison.Ordinal);
        // The stand-in agent wrote into the project on the host (the path meant the same thing to runner and engine),
        // on the task's own branch in its own worktree: the user's checkout is untouched.
        var demo = Path.Combine(stack.ProjectsDir, "demo");
        var branch = task.GetProperty("git").GetProperty("branch").GetString();
        Assert.Equal("codeur/" + taskId, branch);
        var written = (await Tool.RunAsync("git", ["-c", "safe.directory=*", "show", branch + ":AGENT_TASKS.md"], TimeSpan.FromSeconds(30), workingDirectory: demo, cancellationToken: Ct))
            .EnsureSuccess("git show the task's branch");
        Assert.Contains(Task, written.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(demo, "AGENT_TASKS.md")), "the agent wrote into the user's checkout");

        await AssertHardenedAsync(stack);
        // The redis service belongs to its profile: a plain `up` does not start it.
        Assert.Equal("", (await stack.ContainerAsync("redis")).Trim());

        var down = await stack.DownAsync();
        Assert.True(down.ExitCode == 0, down.Error);
        var left = await Docker.RunAsync("ps", "-aq", "--filter", $"label=com.docker.compose.project={stack.Project}");
        Assert.Equal("", left.Output.Trim());
        var networks = await Docker.RunAsync("network", "ls", "-q", "--filter", $"label=com.docker.compose.project={stack.Project}");
        Assert.Equal("", networks.Output.Trim());
    }

    private static async Task AssertHardenedAsync(ComposeStack stack)
    {
        var gateway = await InspectAsync(await stack.ContainerAsync("gateway"));
        var runner = await InspectAsync(await stack.ContainerAsync("runner"));
        var broker = await InspectAsync(await stack.ContainerAsync("engine-broker"));

        foreach (var (name, container) in new[] { ("gateway", gateway), ("runner", runner), ("engine-broker", broker) })
        {
            var host = container.GetProperty("HostConfig");
            Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean(), name + ": read-only root");
            Assert.Equal(["ALL"], host.GetProperty("CapDrop").EnumerateArray().Select(c => c.GetString()));
            Assert.Contains("no-new-privileges:true", host.GetProperty("SecurityOpt").EnumerateArray().Select(c => c.GetString()));
            Assert.False(host.GetProperty("Privileged").GetBoolean());
            var user = container.GetProperty("Config").GetProperty("User").GetString();
            Assert.False(string.IsNullOrEmpty(user) || user.StartsWith('0') || user.StartsWith("root", StringComparison.Ordinal), $"{name} runs as '{user}'");
            await WaitContainerHealthyAsync(container.GetProperty("Id").GetString()!, name);
        }

        // Only the gateway publishes a port; only the broker has the engine socket.
        Assert.NotEqual(JsonValueKind.Null, gateway.GetProperty("NetworkSettings").GetProperty("Ports").GetProperty("8080/tcp").ValueKind);
        Assert.All(runner.GetProperty("NetworkSettings").GetProperty("Ports").EnumerateObject(), p => Assert.Equal(JsonValueKind.Null, p.Value.ValueKind));
        Assert.DoesNotContain(Mounts(gateway).Concat(Mounts(runner)), m => m.Contains("docker.sock", StringComparison.Ordinal));
        Assert.Contains(Mounts(broker), m => m.Contains("docker.sock", StringComparison.Ordinal));
        Assert.Contains(Mounts(broker), m => m == $"{stack.ProjectsDir}->{stack.ProjectsDir}");
        Assert.Contains(Mounts(runner), m => m == $"{stack.ProjectsDir}->{stack.ProjectsDir}");

        // The runner's networks have no route out and nothing published.
        foreach (var network in runner.GetProperty("NetworkSettings").GetProperty("Networks").EnumerateObject())
        {
            var inspect = JsonDocument.Parse((await Docker.RunAsync("network", "inspect", network.Name)).EnsureSuccess("network inspect").Output).RootElement[0];
            Assert.True(inspect.GetProperty("Internal").GetBoolean(), network.Name + " must be internal");
        }
    }

    /// <summary>The image's HEALTHCHECK (bash over /dev/tcp, no curl in the images) reports healthy.</summary>
    private static async Task WaitContainerHealthyAsync(string id, string name)
    {
        var deadline = DateTime.UtcNow + Patience;
        var status = "";
        while (DateTime.UtcNow < deadline)
        {
            status = (await Docker.RunAsync("inspect", "-f", "{{.State.Health.Status}}", id)).Output.Trim();
            if (status == "healthy")
            {
                return;
            }

            await Task.Delay(500, Ct);
        }

        Assert.Fail($"{name}: health is '{status}'");
    }

    private static IEnumerable<string> Mounts(JsonElement container) =>
        container.GetProperty("Mounts").EnumerateArray().Select(m => $"{m.GetProperty("Source").GetString()}->{m.GetProperty("Destination").GetString()}");

    private static async Task<JsonElement> InspectAsync(string id) =>
        JsonDocument.Parse((await Docker.RunAsync("inspect", id)).EnsureSuccess("docker inspect").Output).RootElement[0];

    private static async Task WaitHealthyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + Patience;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), Ct);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(500, Ct);
        }

        Assert.Fail("the gateway did not become healthy: " + last);
    }

    private static async Task<JsonElement> WaitFinishedAsync(HttpClient http, string token, string taskId)
    {
        var deadline = DateTime.UtcNow + Patience;
        JsonElement task = default;
        while (DateTime.UtcNow < deadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/tasks/{taskId}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            task = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
            if (task.GetProperty("state").GetString() is not ("queued" or "running"))
            {
                return task;
            }

            await Task.Delay(250, Ct);
        }

        Assert.Fail($"task {taskId} did not finish: {task}");
        return task;
    }

    internal static void RequireCompose()
    {
        if (Tool.Find("docker-compose") is null)
        {
            Requirement.Unmet("docker-compose not found");
        }
    }
}
