using System.Text;
using System.Text.Json;
using Codeur.Configuration;
using Codeur.Http;
using Codeur.Runner.Intake;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Storage;

namespace Codeur.Runner.Tasks;

/// <summary>The task API: list tasks, read one, follow its output, cancel it, and the <c>/status</c> overview.</summary>
internal static class TaskEndpoints
{
    private static readonly TimeSpan ClaimGrace = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/tasks", TaskListEndpoint.HandleAsync);
        endpoints.MapGet("/api/tasks/{id}", GetAsync);
        endpoints.MapGet("/api/tasks/{id}/logs", FollowAsync);
        endpoints.MapGet("/api/tasks/{id}/output", OutputAsync);
        endpoints.MapPost("/api/tasks/{id}/cancel", CancelAsync);
        endpoints.MapGet("/status", StatusAsync);
        return endpoints;
    }

    private static async Task GetAsync(HttpContext context, string id, TaskCancellation tasks, RunningTasks running, OutputStorage outputs, TimeProvider time)
    {
        var task = await tasks.FindAsync(id, Caller(context), context.RequestAborted);
        if (task is null)
        {
            await NotFoundAsync(context, id);
            return;
        }

        var live = running.TryGet(id, out var current) ? current.Output.Snapshot() : null;

        // An output in object storage: its tail, as much as an inline output shows; the task's state is served even
        // when the bucket cannot be read (output_object.error says so).
        var stored = live is null && task.OutputObject is { } output
            ? await outputs.ReadTailAsync(output, TaskView.OutputCap, context.RequestAborted)
            : null;
        await context.Response.WriteAsJsonAsync(TaskView.From(task, time.GetUtcNow(), live, includeOutput: true, stored), RunnerJson.Options, context.RequestAborted);
    }

    /// <summary>
    /// The whole output as text: streamed from object storage through the runner (so this API's authorisation applies
    /// and the bucket need not be reachable by callers), else the stored or live text. 502 when the bucket fails.
    /// </summary>
    private static async Task OutputAsync(HttpContext context, string id, TaskCancellation tasks, RunningTasks running, OutputStorage outputs)
    {
        var ct = context.RequestAborted;
        var task = await tasks.FindAsync(id, Caller(context), ct);
        if (task is null)
        {
            await NotFoundAsync(context, id);
            return;
        }

        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (task.OutputObject is not { } output)
        {
            var text = running.TryGet(id, out var current) ? current.Output.Snapshot() : task.Output ?? "";
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(text, ct);
            return;
        }

        Stream body;
        try
        {
            body = await outputs.OpenAsync(output, 0, ct);
        }
        catch (OutputStoreException ex)
        {
            await JsonError.WriteAsync(context, StatusCodes.Status502BadGateway, $"task {id}: {OutputStorage.PublicReason(ex)}");
            return;
        }

        await using (body)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.ContentLength = output.Size;
            context.Response.Headers["X-Output-Sha256"] = output.Sha256;

            // Headers are out once the copy starts: a break mid-body can only end the response short, which the
            // Content-Length tells the client.
            await body.CopyToAsync(context.Response.Body, ct);
        }
    }

    /// <summary>
    /// Server-sent events: <c>output</c> events with chunks of text, then one <c>end</c> event with the final state. A
    /// queued task is waited for (a <c>queued</c> event first); while nothing arrives a <c>: heartbeat</c> comment goes
    /// out every <c>runner.log_heartbeat</c> seconds, so silent agents do not look like dead connections to proxies.
    /// </summary>
    private static async Task FollowAsync(
        HttpContext context, string id, ITaskQueue queue, TaskCancellation tasks, RunningTasks running, OutputStorage outputs, AgentConfig config, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var task = await tasks.FindAsync(id, Caller(context), ct);
        if (task is null)
        {
            await NotFoundAsync(context, id);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var heartbeat = TimeSpan.FromSeconds(config.Webhook.Runner.LogHeartbeat);
        if (task.State == TaskState.Queued && !running.TryGet(id, out _))
        {
            await WriteEventAsync(context, "queued", JsonSerializer.Serialize(new { state = task.State.ToName() }), ct);
            task = await WaitWhileQueuedAsync(context, id, queue, running, heartbeat, time, ct);
        }

        if (running.TryGet(id, out var current))
        {
            var (backlog, live) = current.Output.Follow();
            await WriteEventAsync(context, "output", backlog, ct);
            var pending = live.WaitToReadAsync(ct).AsTask();
            var beat = Task.Delay(heartbeat, time, ct);
            while (true)
            {
                if (await Task.WhenAny(pending, beat) == beat)
                {
                    await beat;
                    await WriteCommentAsync(context, "heartbeat", ct);
                    beat = Task.Delay(heartbeat, time, ct);
                    continue;
                }

                if (!await pending)
                {
                    break;
                }

                while (live.TryRead(out var chunk))
                {
                    await WriteEventAsync(context, "output", chunk, ct);
                }

                pending = live.WaitToReadAsync(ct).AsTask();
            }

            // The worker records the ending right after the output closes; give it a moment (bounded).
            for (var i = 0; i < 50 && task is { State: TaskState.Running or TaskState.Queued }; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
                task = await queue.GetAsync(id, ct);
            }
        }
        else if (task?.OutputObject is { } stored)
        {
            await StreamStoredAsync(context, stored, outputs, ct);
        }
        else if (task?.Output is { Length: > 0 } output)
        {
            await WriteEventAsync(context, "output", output, ct);
        }

        await WriteEventAsync(context, "end", JsonSerializer.Serialize(new { state = task!.State.ToName(), exit_code = task.ExitCode, error = task.Error }), ct);
    }

    /// <summary>
    /// An ended task's output from object storage as <c>output</c> events, a chunk of text at a time. The stream is
    /// already open, so a bucket failure is an <c>error</c> event (then the <c>end</c> event as always).
    /// </summary>
    private static async Task StreamStoredAsync(HttpContext context, TaskOutputObject stored, OutputStorage outputs, CancellationToken ct)
    {
        try
        {
            await using var body = await outputs.OpenAsync(stored, 0, ct);
            using var reader = new StreamReader(body, Encoding.UTF8);
            var buffer = new char[16 * 1024];
            int read;
            while ((read = await reader.ReadAsync(buffer, ct)) > 0)
            {
                await WriteEventAsync(context, "output", new string(buffer, 0, read), ct);
            }
        }
        catch (OutputStoreException ex)
        {
            await WriteEventAsync(context, "error", JsonSerializer.Serialize(new { error = OutputStorage.PublicReason(ex) }), ct);
        }
    }

    /// <summary>
    /// Until the task runs here, ends, or has left the queue for another runner (claimed but not registered here within
    /// <see cref="ClaimGrace"/>: a claim and the start of its live output are two steps), with heartbeats.
    /// </summary>
    private static async Task<TaskRecord?> WaitWhileQueuedAsync(
        HttpContext context, string id, ITaskQueue queue, RunningTasks running, TimeSpan heartbeat, TimeProvider time, CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(Math.Min(250, heartbeat.TotalMilliseconds));
        var lastBeat = time.GetTimestamp();
        long? leftQueue = null;
        while (true)
        {
            await Task.Delay(poll, time, ct);
            if (running.TryGet(id, out _))
            {
                return await queue.GetAsync(id, ct);
            }

            var task = await queue.GetAsync(id, ct);
            if (task is null || task.State.IsFinal())
            {
                return task;
            }

            if (task.State != TaskState.Queued)
            {
                leftQueue ??= time.GetTimestamp();
                if (time.GetElapsedTime(leftQueue.Value) > ClaimGrace)
                {
                    return task;
                }
            }

            if (time.GetElapsedTime(lastBeat) >= heartbeat)
            {
                await WriteCommentAsync(context, "heartbeat", ct);
                lastBeat = time.GetTimestamp();
            }
        }
    }

    /// <summary>An SSE comment line: ignored by clients, but bytes on the wire for every proxy in between.</summary>
    private static async Task WriteCommentAsync(HttpContext context, string text, CancellationToken ct)
    {
        await context.Response.WriteAsync(": " + text + "\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private static async Task WriteEventAsync(HttpContext context, string name, string data, CancellationToken ct)
    {
        if (data.Length == 0)
        {
            return;
        }

        var builder = new StringBuilder().Append("event: ").Append(name).Append('\n');
        foreach (var line in data.Split('\n'))
        {
            builder.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        await context.Response.WriteAsync(builder.Append('\n').ToString(), ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private static async Task CancelAsync(HttpContext context, string id, TaskCancellation tasks)
    {
        var outcome = await tasks.CancelAsync(id, Caller(context), context.RequestAborted);
        switch (outcome.Status)
        {
            case CancelStatus.NotFound:
                await NotFoundAsync(context, id);
                return;
            case CancelStatus.AlreadyEnded:
                await JsonError.WriteAsync(context, StatusCodes.Status409Conflict, $"task {id} already ended: {outcome.Task!.State.ToName()}");
                return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new { task_id = id, state = outcome.Task!.State.ToName(), cancel_requested = true }, RunnerJson.Options, context.RequestAborted);
    }

    /// <summary>The same answer for a task that does not exist and for one the caller may not see: no oracle.</summary>
    private static Task NotFoundAsync(HttpContext context, string id) =>
        JsonError.WriteAsync(context, StatusCodes.Status404NotFound, $"no task {(id.Length > 40 ? id[..40] + "…" : id)}");

    private static Principal Caller(HttpContext context) => Principal.FromApi(CallerIdentity.From(context));

    /// <summary>Queue figures for everyone; recent tasks only those the caller may read.</summary>
    private static async Task StatusAsync(HttpContext context, ITaskQueue queue, RunningTasks running, AgentConfig config, RunnerMetrics metrics, TimeProvider time)
    {
        var stats = await queue.GetStatsAsync(context.RequestAborted);
        metrics.Queue(stats);
        var caller = Caller(context);
        var recent = (await queue.RecentAsync(20, context.RequestAborted)).Where(t => TaskAccess.CanRead(caller, t));
        var now = time.GetUtcNow();
        await context.Response.WriteAsJsonAsync(new
        {
            queue_length = stats.Queued,
            running = stats.Running,
            workers = config.Webhook.Workers,
            workers_busy = running.Count,
            recent = recent.Select(t => TaskView.From(t, now, includeOutput: false)),
        }, RunnerJson.Options, context.RequestAborted);
    }
}
