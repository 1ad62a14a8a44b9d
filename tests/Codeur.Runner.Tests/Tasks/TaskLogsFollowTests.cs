using System.Net;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Intake.RunnerHost;

namespace Codeur.Runner.Tests.Tasks;

/// <summary>
/// <c>GET /api/tasks/{id}/logs</c> for quiet agents and patient followers: a queued task is waited for instead of
/// ending the stream at once, and silence (a queued task, an agent that prints nothing until the end) is filled with
/// SSE comment heartbeats so no proxy's idle timeout cuts the stream.
/// </summary>
public sealed class TaskLogsFollowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FollowLogs_QueuedTask_WaitsForItToRunThenStreamsItsOutputAndEnd()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new ScriptedExecutor((task, output, ct) => task.Args[0] == "first"
            ? ScriptedExecutor.UntilReleased(release.Task, output, ct)
            : ScriptedExecutor.Succeed(task, output, ct));
        await using var host = await StartAsync(executor, workers: 1, runnerOptions: "log_heartbeat: 0.2");
        var first = await host.PostTaskAsync("first");
        await executor.WhenStarted(first).WaitAsync(Bound, Ct);
        var queued = await host.PostTaskAsync("second");

        using var request = FromGateway(HttpMethod.Get, $"/api/tasks/{queued}/logs");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct).WaitAsync(Bound, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("event: queued", await reader.ReadLineAsync(Ct).AsTask().WaitAsync(Bound, Ct));
        Assert.Equal("data: {\"state\":\"queued\"}", await reader.ReadLineAsync(Ct).AsTask().WaitAsync(Bound, Ct));

        // Still queued: the follower hears heartbeats, not an end.
        await ReadUntilAsync(reader, ": heartbeat");
        release.SetResult();
        var rest = await reader.ReadToEndAsync(Ct).WaitAsync(Bound, Ct);

        Assert.Contains("event: output\ndata: done\n", rest, StringComparison.Ordinal);
        Assert.EndsWith("event: end\ndata: {\"state\":\"succeeded\",\"exit_code\":0,\"error\":null}\n\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowLogs_SilentRunningTask_HeartbeatsUntilItsOutputArrives()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(release.Task, output, ct));
        await using var host = await StartAsync(executor, runnerOptions: "log_heartbeat: 0.2");
        var id = await host.PostTaskAsync("quiet agent");
        await executor.WhenStarted(id).WaitAsync(Bound, Ct);

        using var request = FromGateway(HttpMethod.Get, $"/api/tasks/{id}/logs");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct).WaitAsync(Bound, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        await ReadUntilAsync(reader, ": heartbeat");
        await ReadUntilAsync(reader, ": heartbeat");

        release.SetResult();
        var rest = await reader.ReadToEndAsync(Ct).WaitAsync(Bound, Ct);

        Assert.Contains("event: output\ndata: released\n", rest, StringComparison.Ordinal);
        Assert.EndsWith("event: end\ndata: {\"state\":\"succeeded\",\"exit_code\":0,\"error\":null}\n\n", rest, StringComparison.Ordinal);
    }

    private static async Task ReadUntilAsync(StreamReader reader, string wanted)
    {
        while (await reader.ReadLineAsync(Ct).AsTask().WaitAsync(Bound, Ct) is { } line)
        {
            Assert.False(line.StartsWith("event: end", StringComparison.Ordinal), "the stream ended while waiting for: " + wanted);
            if (line == wanted)
            {
                return;
            }
        }

        Assert.Fail("the stream closed while waiting for: " + wanted);
    }
}
