using Codeur.Runner.Queue;

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
    TaskGitResult? Git = null)
{
    public const int OutputCap = 64 * 1024;

    public static TaskView From(TaskRecord task, DateTimeOffset now, string? liveOutput = null, bool includeOutput = true)
    {
        var output = includeOutput ? liveOutput ?? task.Output : null;
        var truncated = output is { Length: > OutputCap };
        if (truncated)
        {
            // Keep the end: that is where errors are.
            output = output![^OutputCap..];
        }

        var duration = task.StartedAt is { } start ? ((task.FinishedAt ?? now) - start).TotalMilliseconds : (double?)null;
        return new TaskView(task.Id, task.State.ToName(), task.Command, task.Args, task.Project, task.Platform, task.Requester,
            task.ExitCode, task.Error, task.CreatedAt, task.StartedAt, task.FinishedAt, duration, task.CancelRequested, output, truncated, task.Git);
    }
}
