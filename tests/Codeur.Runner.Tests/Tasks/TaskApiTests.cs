using System.Net;
using System.Text.Json;
using Codeur.Runner.Queue;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Intake.RunnerHost;

namespace Codeur.Runner.Tests.Tasks;

/// <summary>
/// The task API behind the gateway (read, follow, cancel, /status) on the whole runner: real queue and workers,
/// fake executor. Tasks are created through <c>POST /api/tasks</c>, as a caller would.
/// </summary>
public sealed class TaskApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetTask_Unknown_404Json()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Get, "/api/tasks/nope"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal("no task nope", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task CancelTask_Unknown_404()
    {
        await using var host = await StartAsync(new ScriptedExecutor());

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks/0123456789abcdef/cancel"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal("no task 0123456789abcdef", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task CancelTask_Queued_202AndCancelledWithoutRunning()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor);
        var running = await host.PostTaskAsync("first");
        var queued = await host.PostTaskAsync("second");
        await executor.WhenStarted(running).WaitAsync(Bound, Ct);

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, $"/api/tasks/{queued}/cancel"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal(queued, body.RootElement.GetProperty("task_id").GetString());
        Assert.Equal("cancelled", body.RootElement.GetProperty("state").GetString());
        Assert.Equal(TaskState.Cancelled, (await host.Queue.GetAsync(queued, Ct))?.State);
        Assert.Equal(0, executor.CallCount(queued));
    }

    [Fact]
    public async Task CancelTask_Running_202AndTaskEndsCancelled()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor);
        var id = await host.PostTaskAsync("long one");
        await executor.WhenStarted(id).WaitAsync(Bound, Ct);

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, $"/api/tasks/{id}/cancel"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ended = await host.WaitForFinalAsync(id);
        Assert.Equal(TaskState.Cancelled, ended.State);
        Assert.True(ended.CancelRequested);
    }

    [Fact]
    public async Task CancelTask_Finished_409NamingTheEnding()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        var id = await host.PostTaskAsync("quick");
        await host.WaitForFinalAsync(id);

        using var response = await host.SendAsync(FromGateway(HttpMethod.Post, $"/api/tasks/{id}/cancel"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        Assert.Equal($"task {id} already ended: succeeded", body.RootElement.GetProperty("error").GetString());
        Assert.Equal(TaskState.Succeeded, (await host.Queue.GetAsync(id, Ct))?.State);
    }

    [Fact]
    public async Task FollowLogs_FinishedTask_OutputThenEndEvent()
    {
        await using var host = await StartAsync(new ScriptedExecutor());
        var id = await host.PostTaskAsync("quick");
        await host.WaitForFinalAsync(id);

        using var response = await host.SendAsync(FromGateway(HttpMethod.Get, $"/api/tasks/{id}/logs"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("event: output\ndata: done\n", stream, StringComparison.Ordinal);
        Assert.Contains("event: end\ndata: {\"state\":\"succeeded\",\"exit_code\":0", stream, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatus_OneRunningOneWaiting_CountsWorkersAndRecent()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor, workers: 2);
        var running = await host.PostTaskAsync("first");
        var waiting = await host.PostTaskAsync("second");
        await executor.WhenStarted(running).WaitAsync(Bound, Ct);

        using var response = await host.SendAsync(FromGateway(HttpMethod.Get, "/status"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await ReadJsonAsync(response);
        var root = body.RootElement;
        Assert.Equal(1, root.GetProperty("queue_length").GetInt32());
        Assert.Equal(1, root.GetProperty("running").GetInt32());
        Assert.Equal(2, root.GetProperty("workers").GetInt32());
        Assert.Equal(1, root.GetProperty("workers_busy").GetInt32());
        var recent = root.GetProperty("recent").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!, t => t.GetProperty("state").GetString());
        Assert.Equal("running", recent[running]);
        Assert.Equal("queued", recent[waiting]);
    }

    [Fact]
    public async Task FollowLogs_RunningTask_StreamsLiveOutputThenEnd()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new ScriptedExecutor((_, output, ct) =>
        {
            output.Append("step 1\n");
            return ScriptedExecutor.UntilReleased(release.Task, output, ct);
        });
        await using var host = await StartAsync(executor);
        var id = await host.PostTaskAsync("long one");
        await executor.WhenStarted(id).WaitAsync(Bound, Ct);

        using var request = FromGateway(HttpMethod.Get, $"/api/tasks/{id}/logs");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct).WaitAsync(Bound, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("event: output", await reader.ReadLineAsync(Ct).AsTask().WaitAsync(Bound, Ct));
        Assert.Equal("data: step 1", await reader.ReadLineAsync(Ct).AsTask().WaitAsync(Bound, Ct));

        release.SetResult();
        var rest = await reader.ReadToEndAsync(Ct).WaitAsync(Bound, Ct);

        Assert.Contains("event: output\ndata: released\n", rest, StringComparison.Ordinal);
        Assert.EndsWith("event: end\ndata: {\"state\":\"succeeded\",\"exit_code\":0,\"error\":null}\n\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiCancelCommand_AnotherToken_404UnlessItHasTasksCancel()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var host = await StartAsync(executor);
        var id = await host.PostTaskAsync("first");
        await executor.WhenStarted(id).WaitAsync(Bound, Ct);
        var cancel = Json(JsonSerializer.Serialize(new { command = "cancel", args = new[] { id } }));

        using var stranger = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks", cancel, identity: "token:other"));
        using var missing = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks",
            Json(JsonSerializer.Serialize(new { command = "cancel", args = new[] { "0192aaaabbbbccccddddeeeeffff0000" } })), identity: "token:other"));
        var strangerBody = await stranger.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Equal(TaskState.Running, (await host.Queue.GetAsync(id, Ct))!.State);
        Assert.Equal(strangerBody.Replace(id, "ID", StringComparison.Ordinal), (await missing.Content.ReadAsStringAsync(Ct)).Replace("0192aaaabbbbccccddddeeeeffff0000", "ID", StringComparison.Ordinal));

        using var ops = await host.SendAsync(FromGateway(HttpMethod.Post, "/api/tasks",
            Json(JsonSerializer.Serialize(new { command = "cancel", args = new[] { id } })), identity: "token:ops", scopes: "api tasks:cancel"));

        Assert.Equal(HttpStatusCode.Accepted, ops.StatusCode);
        Assert.Equal(TaskState.Cancelled, (await host.WaitForFinalAsync(id)).State);
    }
}
