using System.Diagnostics;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Observability;

/// <summary>
/// The runner's own spans. A request's trace goes on after the 202: the enqueue span's W3C context is stored with
/// the task (<see cref="NewTask.TraceParent"/>), and the worker that claims the task opens the task's span as its
/// child, with a link to it as well, so a backend that starts a new trace at a queue still shows where the task came
/// from. Replies store the context current when they were queued, and their delivery continues it.
/// </summary>
internal static class RunnerTracing
{
    public const string SourceName = "Codeur.Runner";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Enqueues inside an <c>enqueue</c> span whose context the task keeps.</summary>
    public static Task<EnqueueResult> EnqueueAsync(ITaskQueue queue, NewTask task, CancellationToken cancellationToken) =>
        EnqueueAsync(queue.EnqueueAsync, task, cancellationToken);

    /// <summary>Runs <paramref name="enqueue"/> inside an <c>enqueue</c> span whose context the task keeps.</summary>
    public static async Task<EnqueueResult> EnqueueAsync(Func<NewTask, CancellationToken, Task<EnqueueResult>> enqueue, NewTask task, CancellationToken cancellationToken)
    {
        using var span = Source.StartActivity("enqueue");
        span?.SetTag("codeur.project", task.Project);
        span?.SetTag("codeur.command", task.Command);
        var result = await enqueue(task with { TraceParent = TraceParentOf(Activity.Current) }, cancellationToken);
        span?.SetTag("codeur.enqueue.status", result.Status.ToString().ToLowerInvariant());
        span?.SetTag("codeur.task.id", result.Task?.Id);
        return result;
    }

    /// <summary>
    /// The span of a claimed task, child of (and linked to) the request that created it, with a <c>claim</c> child
    /// covering the claim that found it (from <paramref name="claimStarted"/> to now).
    /// </summary>
    public static Activity? StartTask(TaskRecord task, DateTimeOffset claimStarted)
    {
        var parent = ActivityContext.TryParse(task.TraceParent, null, out var context) ? context : default;
        ActivityLink[]? links = parent == default ? null : [new ActivityLink(parent)];
        var span = Source.StartActivity("task", ActivityKind.Consumer, parent, links: links);
        if (span is null)
        {
            return null;
        }

        span.SetTag("codeur.task.id", task.Id);
        span.SetTag("codeur.command", task.Command);
        span.SetTag("codeur.project", task.Project);
        span.SetTag("codeur.platform", task.Platform);
        using (var claim = Source.StartActivity("claim"))
        {
            claim?.SetStartTime(claimStarted.UtcDateTime);
            claim?.SetTag("codeur.task.id", task.Id);
        }

        return span;
    }

    /// <summary>A <c>container</c> span for one container of a task (the command, or a git step around an agent).</summary>
    public static Activity? StartContainer(string taskId, string step)
    {
        var span = Source.StartActivity("container");
        span?.SetTag("codeur.task.id", taskId);
        span?.SetTag("codeur.container.step", step);
        return span;
    }

    /// <summary>A <c>reply</c> span for one delivery attempt, continuing the trace the reply was stored in.</summary>
    public static Activity? StartReply(string? traceParent, string platform, string kind, string? taskId, int attempt)
    {
        var parent = ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        var span = Source.StartActivity("reply", ActivityKind.Producer, parent);
        span?.SetTag("codeur.platform", platform);
        span?.SetTag("codeur.reply.kind", kind);
        span?.SetTag("codeur.task.id", taskId);
        span?.SetTag("codeur.reply.attempt", attempt);
        return span;
    }

    /// <summary>The W3C <c>traceparent</c> of a span (<c>00-trace-span-flags</c>), or null.</summary>
    public static string? TraceParentOf(Activity? span) => span is { IdFormat: ActivityIdFormat.W3C } ? span.Id : null;
}
