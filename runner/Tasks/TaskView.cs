using Codeur.Runner.Queue;
using Codeur.Runner.Storage;

namespace Codeur.Runner.Tasks;

/// <summary>The public JSON shape of a task (<c>GET /api/tasks/{id}</c>, <c>/status</c>); output is capped.</summary>
internal sealed record TaskView(
    string TaskId,
    string State,
    string Command,
    IReadOnlyList<string> Args,
    string Project,
    string Platform,
    string Requester,
    int? ExitCode,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationMs,
    bool CancelRequested,
    string? Output,
    bool OutputTruncated,
    TaskGitResult? Git = null,
    OutputObjectView? OutputObject = null)
{
    public const int OutputCap = 64 * 1024;

    public static TaskView From(TaskRecord task, DateTimeOffset now, string? liveOutput = null, bool includeOutput = true) =>
        From(task, now, liveOutput, includeOutput, stored: null);

    /// <summary>As above; <paramref name="stored"/> is the tail of an output kept in object storage (read by the caller).</summary>
    public static TaskView From(TaskRecord task, DateTimeOffset now, string? liveOutput, bool includeOutput, OutputTail? stored)
    {
        var output = includeOutput ? liveOutput ?? stored?.Text ?? task.Output : null;
        var truncated = output is { Length: > OutputCap } || (includeOutput && stored?.Truncated == true);
        if (output is { Length: > OutputCap })
        {
            // Keep the end: that is where errors are.
            output = output[^OutputCap..];
        }

        var objectView = task.OutputObject is { } o
            ? new OutputObjectView(o.Size, o.Sha256, $"/api/tasks/{task.Id}/output", includeOutput ? stored?.Error : null)
            : null;
        var duration = task.StartedAt is { } start ? ((task.FinishedAt ?? now) - start).TotalMilliseconds : (double?)null;
        return new TaskView(task.Id, task.State.ToName(), task.Command, task.Args, task.Project, task.Platform, task.Requester,
            task.ExitCode, task.Error, task.CreatedAt, task.StartedAt, task.FinishedAt, duration, task.CancelRequested, output, truncated, task.Git,
            objectView);
    }
}
