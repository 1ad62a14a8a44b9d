using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>
/// The runner's half of "who may do what" (issue 14), each hole attacked through real gateway and runner processes,
/// beside the legitimate request that must still work: cross-repository hints, bearer tokens claiming platform
/// users, task reads and cancels by strangers, workspaces nobody allowed, replayed GitHub deliveries, the command
/// list shown to a requester who may not use the agent, the seed's relay examples, and a mapping edited under
/// running services.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class RunnerAuthorizationTests(DockerFixture docker)
{
    private const string SlackSecret = "e2e-slack-secret-authz";
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Comment(string body, string repository = "acme/backend", string login = "octo", string association = "OWNER", long? id = null) => JsonSerializer.Serialize(new
    {
        action = "created",
        issue = new { number = 7, title = "Please help" },
        comment = new { id = id ?? Random.Shared.NextInt64(1, long.MaxValue), body, user = new { login, type = "User" }, author_association = association },
        repository = new { full_name = repository },
        sender = new { login, type = "User" },
    });

    private static HttpRequestMessage SignedSlack(string form)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SlackSecret), Encoding.UTF8.GetBytes($"v0:{ts}:{form}")));
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook/slack") { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add("X-Slack-Request-Timestamp", ts);
        request.Headers.Add("X-Slack-Signature", signature);
        return request;
    }

    private static string SlashCommand(string text, string user, string team) =>
        $"command=%2Fagent&text={Uri.EscapeDataString(text)}&user_id={user}&channel_id=C1&team_id={team}&trigger_id={Guid.NewGuid():N}";

    [Fact]
    public async Task GitHubHintToAnotherProject_RefusedWhileTheRepositorysOwnProjectIsAccepted()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(mappingYaml: """
              project_mapping:
                - {pattern: "backend|api|server", path: "{projects}/backend", name: backend}
                - {pattern: "widgets", path: "{projects}/frontend", name: widgets}
            """);

        // The attack from the issue: a collaborator on acme/widgets aims a search at backend.
        var refused = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment("!agent search --project backend SECRET_NAME", repository: "acme/widgets"), Guid.NewGuid().ToString()), HttpStatusCode.UnprocessableEntity);
        var accepted = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment("!agent search SECRET_NAME", repository: "acme/widgets"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);

        Assert.Equal("no project matches project 'backend'; known projects: widgets", refused.GetProperty("error").GetString());
        Assert.Equal("widgets", accepted.GetProperty("project").GetString());
        var recent = (await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Get, "/status"), HttpStatusCode.OK)).GetProperty("recent");
        Assert.All(recent.EnumerateArray(), t => Assert.Equal("widgets", t.GetProperty("project").GetString()));
    }

    [Fact]
    public async Task BearerRelayClaimingOwnerAndAdmin_GetsNoTrust_CannotReadOrCancelAnothersTask()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync("  replies:\n    admins: {github: [octo]}", mappingYaml: """
              project_mapping:
                - {pattern: "backend|api|server", path: "{projects}/backend", name: backend, commands: {run: {associations: [OWNER]}}}
            """);
        var task = (await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment("!agent run 'slow victim task'", login: "alice"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted))
            .GetProperty("task_id").GetString()!;

        // A bearer token relays a body that claims the admin's login and OWNER: no platform trust, so no admin and no association.
        using var claimRun = CodeurSystem.Bearer(HttpMethod.Post, "/webhook/github", Comment("!agent run 'as the owner'"));
        claimRun.Headers.Add("X-GitHub-Event", "issue_comment");
        var run = await system.SendJsonAsync(claimRun, HttpStatusCode.Forbidden);
        using var claimCancel = CodeurSystem.Bearer(HttpMethod.Post, "/webhook/github", Comment($"!agent cancel {task}"));
        claimCancel.Headers.Add("X-GitHub-Event", "issue_comment");
        var cancel = await system.SendJsonAsync(claimCancel, HttpStatusCode.NotFound);

        // Nor does the task API give another caller's task away, with the very answer a missing task gets.
        var read = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Get, $"/api/tasks/{task}"), HttpStatusCode.NotFound);
        var apiCancel = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, $"/api/tasks/{task}/cancel"), HttpStatusCode.NotFound);
        var missing = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Get, "/api/tasks/0192aaaabbbbccccddddeeeeffff0000"), HttpStatusCode.NotFound);

        Assert.Equal("you may not use 'run' on project 'backend'", run.GetProperty("error").GetString());
        Assert.Equal($"no task {task}", cancel.GetProperty("error").GetString());
        Assert.Equal($"no task {task}", read.GetProperty("error").GetString());
        Assert.Equal($"no task {task}", apiCancel.GetProperty("error").GetString());
        Assert.Equal("no task 0192aaaabbbbccccddddeeeeffff0000", missing.GetProperty("error").GetString());
        Assert.NotEqual("cancelled", (await system.GetTaskAsync(task)).GetProperty("state").GetString());

        // The legitimate cases: the token reads its own task; the real admin, signed by GitHub, cancels alice's.
        var own = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"backend"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;
        await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Get, $"/api/tasks/{own}"), HttpStatusCode.OK);
        await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment($"!agent cancel {task}"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
        Assert.Equal("cancelled", (await system.WaitFinishedAsync(task)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task SlackWithoutTeamAllowlist_RunnerRefusesToStartNamingTheKey()
    {
        var directory = Directory.CreateTempSubdirectory("codeur-e2e-teams-");
        try
        {
            var config = Path.Combine(directory.FullName, ".agent.yaml");
            await File.WriteAllTextAsync(config, $"""
                webhook:
                  slack_signing_secret: "{SlackSecret}"
                  runner: {"{"}url: "http://127.0.0.1:9", internal_token: "x"{"}"}
                  queue: {"{"}path: "{directory.FullName}/q.db"{"}"}
                  audit: {"{"}path: "{directory.FullName}/audit.log"{"}"}
                """, Ct);
            await using var runner = ServiceProcess.Start("Runner", config, Path.Combine(directory.FullName, "runner.log"));
            var deadline = Stopwatch.StartNew();
            while (!runner.HasExited)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the runner kept running without slack.teams");
                await Task.Delay(100, Ct);
            }

            Assert.Contains("webhook.slack.teams", await runner.ReadLogAsync(), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SignedSlackFromATeamNotAllowed_403_AllowedTeamGetsItsTask()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync($"  slack_signing_secret: \"{SlackSecret}\"\n  slack: {{teams: [T0URS]}}\n  requesters: {{slack: [U-MEMBER]}}");

        using var strangerResponse = await system.Client.SendAsync(SignedSlack(SlashCommand("analyze --project backend", "U-MEMBER", "TSTRANGER")), Ct);
        var stranger = await strangerResponse.Content.ReadAsStringAsync(Ct);

        // A requester who may not use the agent types an unknown command: told "not permitted", not the command list.
        using var outsiderResponse = await system.Client.SendAsync(SignedSlack(SlashCommand("frobnicate now", "U-OUTSIDER", "T0URS")), Ct);
        var outsider = await outsiderResponse.Content.ReadAsStringAsync(Ct);
        using var memberTypoResponse = await system.Client.SendAsync(SignedSlack(SlashCommand("frobnicate now", "U-MEMBER", "T0URS")), Ct);
        var memberTypo = await memberTypoResponse.Content.ReadAsStringAsync(Ct);
        using var memberResponse = await system.Client.SendAsync(SignedSlack(SlashCommand("analyze --project backend", "U-MEMBER", "T0URS")), Ct);
        var member = await memberResponse.Content.ReadAsStringAsync(Ct);

        // Signed slash commands are answered 200 with a message the user sees; the refusal is in the text.
        Assert.Contains("Refused: requester not permitted", stranger, StringComparison.Ordinal);
        Assert.Contains("Refused: requester not permitted", outsider, StringComparison.Ordinal);
        Assert.DoesNotContain("allowed", outsider, StringComparison.Ordinal);
        Assert.Contains("unknown command 'frobnicate'; allowed: run, analyze", memberTypo, StringComparison.Ordinal);
        Assert.Contains("queued: `analyze` in project *backend*", member, StringComparison.Ordinal);
        var audit = await File.ReadAllTextAsync(system.AuditPath, Ct);
        Assert.Contains("\"status\":403", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHubReplays_MissingDelivery400_SameBodyUnderNewDeliveryIsTheSameTask()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();
        var body = Comment("!agent analyze");

        using var withoutDelivery = CodeurSystem.GitHub("issue_comment", body, "x");
        withoutDelivery.Headers.Remove("X-GitHub-Delivery");
        var missing = await system.SendJsonAsync(withoutDelivery, HttpStatusCode.BadRequest);
        var first = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", body, Guid.NewGuid().ToString()), HttpStatusCode.Accepted);
        var replay = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", body, Guid.NewGuid().ToString()), HttpStatusCode.OK);
        var another = await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", Comment("!agent analyze"), Guid.NewGuid().ToString()), HttpStatusCode.Accepted);

        Assert.Equal("X-GitHub-Delivery is required", missing.GetProperty("error").GetString());
        Assert.Equal("duplicate", replay.GetProperty("status").GetString());
        Assert.Equal(first.GetProperty("task_id").GetString(), replay.GetProperty("task_id").GetString());
        Assert.NotEqual(first.GetProperty("task_id").GetString(), another.GetProperty("task_id").GetString());
    }

    [Fact]
    public async Task SeedSlackWorkflowAndCiExamples_ExactBodies_ReturnTaskIds()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(mappingYaml: """
              project_mapping:
                - {pattern: "backend|api|server", path: "{projects}/backend", name: backend}
                - {pattern: ".", path: "{projects}/frontend", name: main}
            """);

        // The Bolt handler for /codeur relays command.text, which Slack delivers without the slash command.
        var slack = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/webhook/slack", """{"text": "run Add tests", "user_id": "U1", "channel_id": "C1"}"""), HttpStatusCode.Accepted);
        var ci = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/webhook/github", """{"action":"opened","pull_request":{"number":7,"title":"Add API auth","head":{"ref":"feature/auth"}}}"""), HttpStatusCode.Accepted);

        var slackTask = await system.WaitFinishedAsync(slack.GetProperty("task_id").GetString()!);
        Assert.Equal("main", slackTask.GetProperty("project").GetString());
        Assert.Equal("token:default for slack:U1", slackTask.GetProperty("requester").GetString());
        Assert.Equal(["Add tests"], system.TaskFiles("frontend"));
        Assert.Equal("backend", ci.GetProperty("project").GetString());

        // The relay's own token follows its tasks; it needs no tasks:read for that.
        await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Get, $"/api/tasks/{ci.GetProperty("task_id").GetString()}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reload_NewMappingAppliesWithinTwoSeconds_BrokenEditChangesNothingAndIsLogged()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync();
        system.CreateProject("docs");
        var original = await File.ReadAllTextAsync(system.ConfigPath, Ct);
        var queuedBefore = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"run","args":["slow before the edit"],"project":"frontend"}"""), HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;
        await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"docs"}"""), HttpStatusCode.UnprocessableEntity);

        async Task EditAsync(string yaml)
        {
            var aside = system.ConfigPath + ".new";
            await File.WriteAllTextAsync(aside, yaml, Ct);
            File.Move(aside, system.ConfigPath, overwrite: true);
        }

        async Task<HttpStatusCode> DocsAsync()
        {
            using var response = await system.Client.SendAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"docs"}"""), Ct);
            return response.StatusCode;
        }

        // A new project, and frontend now only for the ci token: both apply within 2 s of the edit.
        var docsLine = $"    - {{pattern: \"docs\", path: \"{system.ProjectsRoot}/docs\", name: docs}}\n";
        var edited = original.Replace("name: frontend}\n", "name: frontend, allow: {tokens: [ci]}}\n" + docsLine, StringComparison.Ordinal);
        Assert.NotEqual(original, edited);
        var clock = Stopwatch.StartNew();
        await EditAsync(edited);
        HttpStatusCode status;
        while ((status = await DocsAsync()) != HttpStatusCode.Accepted && clock.Elapsed < ReloadDeadline)
        {
            await Task.Delay(25, Ct);
        }

        TestContext.Current.SendDiagnosticMessage($"new mapping applied {clock.Elapsed.TotalMilliseconds:0} ms after the edit");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"frontend"}"""), HttpStatusCode.UnprocessableEntity);

        // The task queued before the edit keeps the project it was admitted with.
        Assert.Equal("frontend", (await system.GetTaskAsync(queuedBefore)).GetProperty("project").GetString());

        // A broken edit (an allow rule with a bad repository) changes nothing, and the runner says where.
        await EditAsync(edited.Replace("allow: {tokens: [ci]}", "allow: {tokens: [ci], repositories: [\"not a repo\"]}", StringComparison.Ordinal));
        var deadline = Stopwatch.StartNew();
        while (!(await system.Runner!.ReadLogAsync()).Contains("allow.repositories[0]", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, Ct);
        }

        Assert.Contains("webhook.project_mapping[1].allow.repositories[0] (line", await system.Runner!.ReadLogAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, await DocsAsync());
        await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"frontend"}"""), HttpStatusCode.UnprocessableEntity);
        await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Post, $"/api/tasks/{queuedBefore}/cancel"), HttpStatusCode.Accepted);
    }
}
