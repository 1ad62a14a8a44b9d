using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>Gateway + runner + the real Docker engine, driven through the public routes only.</summary>
[Collection(DockerCollection.Name)]
public sealed class EndToEndTests(DockerFixture docker)
{
    private static string Comment(string body, string association = "OWNER", string repository = "acme/backend") => JsonSerializer.Serialize(new
    {
        action = "created",
        issue = new { number = 7, title = "Please help" },
        comment = new { id = 99, body, user = new { login = "octo", type = "User" }, author_association = association },
        repository = new { full_name = repository },
        sender = new { login = "octo", type = "User" },
    });

    [Fact]
    public async Task DiscordRelay_SpecExample_RunsInTheMappedProjectWithTheTextUnchanged()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();
        const string text = "Add auth to API; $(touch /tmp/pwned) `id` | cat > /etc/x && echo \"$HOME\" 'q'";
        var payload = JsonSerializer.Serialize(new { content = "!agent run 'Add auth to API; $(touch /tmp/pwned) `id` | cat > /etc/x && echo \"$HOME\" '\\''q'\\'''", author = "alice", channel_id = "c1" });

        var accepted = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/webhook/discord", payload), HttpStatusCode.Accepted);
        var task = await system.WaitFinishedAsync(accepted.GetProperty("task_id").GetString()!);

        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Equal("backend", task.GetProperty("project").GetString());
        Assert.Equal([text], system.TaskFiles("backend"));
        Assert.Empty(system.TaskFiles("frontend"));
    }

    [Fact]
    public async Task SignedGitHubComment_RunsAnalyzeOnceEvenWhenRedelivered()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();
        var body = Comment("!agent analyze", repository: "acme/api-server");
        var delivery = Guid.NewGuid().ToString();

        var first = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", body, delivery), HttpStatusCode.Accepted);
        using var again = await system.Client.SendAsync(CodeurSystem.GitHub("issue_comment", body, delivery), TestContext.Current.CancellationToken);
        var id = first.GetProperty("task_id").GetString()!;
        var task = await system.WaitFinishedAsync(id);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var redelivered = JsonDocument.Parse(await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(id, redelivered.RootElement.GetProperty("task_id").GetString());
        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Equal("backend", task.GetProperty("project").GetString());
        Assert.Contains("Python", task.GetProperty("output").GetString());
        var status = await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Get, "/status"), HttpStatusCode.OK);
        Assert.Single(status.GetProperty("recent").EnumerateArray());
    }

    [Fact]
    public async Task OutsiderComment_IsIgnoredAndRunsNothing()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();

        var answer = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment("!agent run 'rm -rf /'", association: "NONE"), Guid.NewGuid().ToString()), HttpStatusCode.OK);

        Assert.Equal("ignored", answer.GetProperty("status").GetString());
        Assert.Contains("NONE", answer.GetProperty("reason").GetString());
        var status = await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Get, "/status"), HttpStatusCode.OK);
        Assert.Empty(status.GetProperty("recent").EnumerateArray());
    }

    [Fact]
    public async Task UnknownProjectAndSymlinkIntoEtc_AreRefusedWith422()
    {
        docker.RequireDocker();
        var projects = Directory.CreateTempSubdirectory("codeur-e2e-links-");
        try
        {
            var link = Path.Combine(projects.FullName, "sneaky");
            File.CreateSymbolicLink(link, "/etc");
            await using var system = await CodeurSystem.StartAsync(mappingYaml: $"""
                  project_mapping:
                    - {"{"}pattern: "sneaky", path: "{link}", name: sneaky{"}"}
                    - {"{"}pattern: "backend", path: "/tmp/codeur-does-not-exist-{Guid.NewGuid():N}", name: gone{"}"}
                """);

            var unknown = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"nowhere"}"""), HttpStatusCode.UnprocessableEntity);
            var forbidden = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"sneaky"}"""), HttpStatusCode.UnprocessableEntity);

            Assert.Contains("nowhere", unknown.GetProperty("error").GetString());
            Assert.Contains("forbidden", forbidden.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
            var audit = await File.ReadAllTextAsync(system.AuditPath, TestContext.Current.CancellationToken);
            Assert.Contains("request_rejected", audit);
        }
        finally
        {
            projects.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SlackSlashCommand_IsAcknowledgedWithinThreeSecondsWhileItRuns()
    {
        docker.RequireDocker();
        const string secret = "e2e-slack-secret";
        await using var system = await CodeurSystem.StartAsync($"  slack_signing_secret: \"{secret}\"\n  slack: {{teams: [T1]}}");
        var form = "command=%2Fagent&text=run+%27slow+job%27+--project+backend&user_id=U1&channel_id=C1&team_id=T1&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&trigger_id=1";
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = "v0=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{ts}:{form}")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhook/slack") { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add("X-Slack-Request-Timestamp", ts);
        request.Headers.Add("X-Slack-Signature", signature);
        var clock = Stopwatch.StartNew();

        var answer = await system.SendJsonAsync(request, HttpStatusCode.OK);

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        var text = answer.GetRawText();
        var id = (await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Get, "/status"), HttpStatusCode.OK)).GetProperty("recent")[0].GetProperty("task_id").GetString()!;
        Assert.Contains(id, text);
        await system.WaitStateAsync(id, "running");
        await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Post, $"/api/tasks/{id}/cancel"), HttpStatusCode.Accepted);
        Assert.Equal("cancelled", (await system.WaitFinishedAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task RunnerKilled_QueuedTasksCompleteAfterRestartAndTheRunningOneIsInterrupted()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(workers: 1);
        var slow = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"run","args":["slow crash me"],"project":"backend"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;
        await system.WaitStateAsync(slow, "running");
        var queued = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var project = i % 2 == 0 ? "backend" : "frontend";
            queued.Add((await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", $$"""{"command":"run","args":["queued {{i}}"],"project":"{{project}}"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!);
        }

        var started = DateTime.UtcNow.AddSeconds(15);
        while ((await DockerCli.ContainersOfAsync(system.InstanceId)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < started, "the slow task's container never appeared");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await system.Runner!.KillAsync();
        await system.StartRunnerAsync();

        var crashed = await system.WaitFinishedAsync(slow);
        Assert.Equal("interrupted", crashed.GetProperty("state").GetString());
        foreach (var id in queued)
        {
            Assert.Equal("succeeded", (await system.WaitFinishedAsync(id)).GetProperty("state").GetString());
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await DockerCli.ContainersOfAsync(system.InstanceId)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the crashed task's container was not swept");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        // Each queued task ran exactly once; the crashed one was never re-run (it may or may not have written its
        // file before the kill, depending on how far its container got).
        var written = system.TaskFiles("backend").Concat(system.TaskFiles("frontend")).ToList();
        Assert.Equal(["queued 0", "queued 1", "queued 2"], written.Where(t => t.StartsWith("queued", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.InRange(written.Count(t => t == "slow crash me"), 0, 1);
    }

    [Fact]
    public async Task Logs_FollowingARunningTask_StreamsItsOutputThenTheEnding()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();
        var id = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"run","args":["chatty task"],"project":"backend"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;
        await system.WaitStateAsync(id, "running");

        using var request = CodeurSystem.Bearer(HttpMethod.Get, $"/api/tasks/{id}/logs");
        using var response = await system.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<string>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            events.Add(line);
        }

        var stream = string.Join('\n', events);
        Assert.Contains("data: line-1", stream);
        Assert.Contains("data: line-3", stream);
        Assert.Contains("event: end", stream);
        Assert.Contains("\"state\":\"succeeded\"", stream);
        Assert.True(stream.IndexOf("line-3", StringComparison.Ordinal) < stream.IndexOf("event: end", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunnerStopped_RunningTaskIsInterruptedAfterTheGraceAndItsContainerRemoved()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(workers: 1);
        var id = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"run","args":["slow shutdown"],"project":"backend"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;
        await system.WaitStateAsync(id, "running");
        var clock = Stopwatch.StartNew();

        await system.Runner!.TerminateAsync(TimeSpan.FromSeconds(30));

        // shutdown_grace is 5 s in the test config: the runner waited for it, then killed the task.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(25));
        Assert.Empty(await DockerCli.ContainersOfAsync(system.InstanceId));
        await system.StartRunnerAsync();
        var task = await system.GetTaskAsync(id);
        Assert.Equal("interrupted", task.GetProperty("state").GetString());
        Assert.Contains("not re-run", task.GetProperty("error").GetString());
    }

    [Fact]
    public async Task RunnerMetrics_AfterATask_ExposeTheSpecsInstruments()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();
        var id = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"frontend"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;
        Assert.Equal("succeeded", (await system.WaitFinishedAsync(id)).GetProperty("state").GetString());

        using var client = new HttpClient { BaseAddress = system.RunnerUrl, Timeout = TimeSpan.FromSeconds(10) };
        var text = "";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!text.Contains("task_execution_duration", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        }

        Assert.Matches(@"task_execution_duration\w*_count\{[^}]*command=""analyze""[^}]*ending=""succeeded""[^}]*\} 1", text);
        Assert.Matches(@"tasks_finished_total\{[^}]*ending=""succeeded""[^}]*\} 1", text);
        Assert.Contains("task_queue_length", text);
        Assert.Contains("worker_pool_utilization", text);
        Assert.Matches(@"webhook_requests_total\{[^}]*platform=""api""[^}]*\} 1", text);
    }
}
