using System.Net;
using System.Text.Json;
using Codeur.Runner.Queue;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Intake.RunnerHost;

namespace Codeur.Runner.Tests.Tasks;

/// <summary>
/// <c>GET /api/tasks</c> on the whole runner: the listing the task page shows, with the same authorisation as reading
/// one task (its own for a token, all with <c>tasks:read</c>).
/// </summary>
public sealed class TaskListApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> PostAsAsync(Intake.RunnerHost host, string token, string text, string project = "backend")
    {
        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks",
            Json(JsonSerializer.Serialize(new { command = "run", args = text, project })), identity: "token:" + token));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        return body.RootElement.GetProperty("task_id").GetString()!;
    }

    private static async Task<(List<string> Ids, JsonElement Body)> ListAsync(Intake.RunnerHost host, string query, string token, string? scopes = null)
    {
        using var response = await host.SendAsync(FromGateway(HttpMethod.Get, "/api/tasks" + query, identity: "token:" + token, scopes: scopes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        var root = body.RootElement.Clone();
        return ([.. root.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!)], root);
    }

    [Fact]
    public async Task ListTasks_TokenWithoutTasksRead_SeesOnlyItsOwnTasks()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        var ci = await PostAsAsync(host, "ci", "secret plan of ci");
        var eve = await PostAsAsync(host, "eve", "eve's own");
        await host.WaitForFinalAsync(ci);
        await host.WaitForFinalAsync(eve);

        // The store holds ci's task, and an unfiltered listing would hand it to anyone who asks.
        Assert.Contains(ci, (await host.Queue.ListAsync(new TaskQuery(), Ct)).Tasks.Select(t => t.Id));

        var (asEve, _) = await ListAsync(host, "", "eve");
        var (asEveByRequester, _) = await ListAsync(host, "?requester=ci", "eve");
        var (asObserver, _) = await ListAsync(host, "", "observer", scopes: "api tasks:read");

        Assert.Equal([eve], asEve);
        Assert.Empty(asEveByRequester);
        Assert.Equal([eve, ci], asObserver);
    }

    [Fact]
    public async Task ListTasks_Filters_StateProjectRequesterAndNoOutput()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor, workers: 1);
        var running = await PostAsAsync(host, "ci", "first");
        var queued = await PostAsAsync(host, "ops", "second");
        await executor.WhenStarted(running).WaitAsync(Bound, Ct);

        var (active, body) = await ListAsync(host, "?state=queued,running", "observer", "tasks:read");
        var (onlyRunning, _) = await ListAsync(host, "?state=running&project=backend", "observer", "tasks:read");
        var (byRequester, _) = await ListAsync(host, "?requester=OPS", "observer", "tasks:read");
        var (otherProject, _) = await ListAsync(host, "?project=frontend", "observer", "tasks:read");

        Assert.Equal([queued, running], active);
        Assert.Equal([running], onlyRunning);
        Assert.Equal([queued], byRequester);
        Assert.Empty(otherProject);
        var first = body.GetProperty("tasks")[1];
        Assert.Equal("running", first.GetProperty("state").GetString());
        Assert.Equal("backend", first.GetProperty("project").GetString());
        Assert.Equal("token:ci", first.GetProperty("requester").GetString());
        Assert.False(first.TryGetProperty("output", out _));
        Assert.False(body.TryGetProperty("next", out _));
    }

    [Fact]
    public async Task ListTasks_LimitAndCursor_PagesThroughEveryTaskOnce()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await PostAsAsync(host, "ci", "task " + i));
        }

        var seen = new List<string>();
        var query = "?limit=2";
        for (var pages = 0; pages < 5; pages++)
        {
            var (page, body) = await ListAsync(host, query, "ci");
            seen.AddRange(page);
            if (!body.TryGetProperty("next", out var next) || next.ValueKind == JsonValueKind.Null)
            {
                break;
            }

            query = "?limit=2&before=" + next.GetString();
        }

        ids.Reverse();
        Assert.Equal(ids, seen);
    }

    [Theory]
    [InlineData("?status=running", "unknown query parameter 'status'; expected state, project, requester, limit or before")]
    [InlineData("?state=runing", "unknown state 'runing'; expected queued, running, succeeded, failed, timed_out, oom_killed, output_limit, cancelled, interrupted or rejected")]
    [InlineData("?limit=0", "limit must be a whole number from 1 to 200")]
    [InlineData("?limit=201", "limit must be a whole number from 1 to 200")]
    [InlineData("?limit=-5", "limit must be a whole number from 1 to 200")]
    [InlineData("?before=abc", "before must be the 'next' value of a previous page")]
    [InlineData("?project=a&project=b", "query parameter 'project' given more than once")]
    [InlineData("?requester=%01x", "requester must be at most 200 characters without control characters")]
    public async Task ListTasks_BadQuery_400SayingWhatIsWrong(string query, string error)
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Get, "/api/tasks" + query));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal(error, body.RootElement.GetProperty("error").GetString());
    }
}
