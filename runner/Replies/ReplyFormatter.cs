using System.Globalization;
using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Storage;

namespace Codeur.Runner.Replies;

/// <summary>
/// Words for each reply, platform-neutral and redacted. Platform limits are the senders' business
/// (<see cref="ReplyText"/>). A new result field (say, a git branch) becomes one more line in <see cref="EndingDetails"/>.
/// </summary>
internal sealed class ReplyFormatter(AgentConfig config, Redactor redactor)
{
    /// <summary>How much output a reply carries at most (its tail); the full log stays in the task API.</summary>
    public const int MaxOutputChars = 60_000;

    /// <summary>Lines of output shown in a progress edit.</summary>
    public const int ProgressLines = 10;

    /// <summary>Commits listed in an ending reply (the branch has them all).</summary>
    public const int MaxCommitsListed = 5;

    private readonly string? _taskApiUrl = config.Webhook.Replies.TaskApiUrl?.TrimEnd('/');

    public ReplyContent Ack(TaskRecord task, int position) => new()
    {
        Headline = redactor.Redact($"Task `{task.Id}` queued: `{task.Command}` in project *{task.Project}* (position {position})."),
        LogUrl = LogUrl(task.Id),
        ReceivedAt = task.CreatedAt,
    };

    public ReplyContent Progress(TaskRecord task, TimeSpan elapsed, string output)
    {
        var lines = output.TrimEnd('\n').Split('\n');
        var tail = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - ProgressLines)));
        return new ReplyContent
        {
            Headline = redactor.Redact($"Task `{task.Id}` running for {Duration(elapsed)}: `{task.Command}` in project *{task.Project}*."),
            Output = tail.Length == 0 ? null : redactor.Redact(Tail(tail, 1500)),
            OutputTruncated = true,
            LogUrl = LogUrl(task.Id),
            ReceivedAt = task.CreatedAt,
        };
    }

    public ReplyContent Ending(TaskRecord task) => Ending(task, null);

    /// <summary>The ending reply; <paramref name="stored"/> is the tail of an output kept in object storage.</summary>
    public ReplyContent Ending(TaskRecord task, OutputTail? stored)
    {
        var text = stored is null ? task.Output : stored.Text;
        var output = text is { Length: > 0 } o ? redactor.Redact(o) : null;
        var truncated = output is { Length: > MaxOutputChars } || stored?.Truncated == true;
        return new ReplyContent
        {
            Headline = redactor.Redact(EndingHeadline(task)),
            Details = [.. EndingDetails(task).Select(redactor.Redact), .. StoredOutputDetails(task, stored)],
            Output = output is null ? null : Tail(output, MaxOutputChars),
            OutputTruncated = truncated,
            LogUrl = LogUrl(task.Id),
            ReceivedAt = task.CreatedAt,
        };
    }

    public ReplyContent Rejection(string message, DateTimeOffset receivedAt) => new()
    {
        Headline = redactor.Redact("Refused: " + message),
        Private = true,
        ReceivedAt = receivedAt,
    };

    public string LogUrl(string taskId) => (_taskApiUrl ?? "") + $"/api/tasks/{taskId}/logs";

    public string OutputUrl(string taskId) => (_taskApiUrl ?? "") + $"/api/tasks/{taskId}/output";

    /// <summary>Where the whole of an output kept in object storage is served, and why its tail is missing if it is.</summary>
    private IEnumerable<string> StoredOutputDetails(TaskRecord task, OutputTail? stored)
    {
        if (task.OutputObject is not { } output)
        {
            yield break;
        }

        yield return string.Create(CultureInfo.InvariantCulture, $"Full output ({Size(output.Size)}): {OutputUrl(task.Id)}");
        if (stored?.Error is not null)
        {
            // The reason names the bucket and key: operators' business, not the chat's.
            yield return "Output: the object store could not be read just now; the link above serves it once it can";
        }
    }

    private static string Size(long bytes) => bytes >= 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.#} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB");

    private string EndingHeadline(TaskRecord task) => task.State switch
    {
        TaskState.Succeeded => $"Task `{task.Id}` succeeded.",
        TaskState.Failed => task.ExitCode is { } code
            ? $"Task `{task.Id}` failed with exit code {code}."
            : $"Task `{task.Id}` failed: {task.Error ?? "no exit code"}.",
        TaskState.TimedOut => $"Task `{task.Id}` timed out after {config.Webhook.Timeout} s and was killed.",
        TaskState.OomKilled => $"Task `{task.Id}` ran out of memory ({config.Webhook.Sandbox.Memory}) and was killed.",
        TaskState.OutputLimit => $"Task `{task.Id}` printed more than {config.Webhook.Sandbox.OutputLimit} of output and was killed.",
        TaskState.Cancelled => $"Task `{task.Id}` cancelled.",
        TaskState.Interrupted => $"Task `{task.Id}` interrupted: the runner stopped while it ran; it was not re-run because agents change code.",
        TaskState.Rejected => $"Task `{task.Id}` rejected: {task.Error}.",
        _ => $"Task `{task.Id}` is {task.State.ToName()}.",
    };

    /// <summary>The facts under the headline, one line each; a new result field is one more line here.</summary>
    private static IEnumerable<string> EndingDetails(TaskRecord task)
    {
        yield return $"Command: `{task.Command}` in project *{task.Project}*";
        if (task.StartedAt is { } started && task.FinishedAt is { } finished)
        {
            yield return "Duration: " + Duration(finished - started);
        }

        if (task.Git is { } git)
        {
            if (!git.HasChanges)
            {
                yield return "Git: no changes (nothing committed)";
                yield break;
            }

            yield return string.Create(CultureInfo.InvariantCulture,
                $"Branch: `{git.Branch}` ({git.Commits.Count} commit{(git.Commits.Count == 1 ? "" : "s")}, {git.FilesChanged} file{(git.FilesChanged == 1 ? "" : "s")} changed, +{git.Insertions} -{git.Deletions})");
            foreach (var commit in git.Commits.Take(MaxCommitsListed))
            {
                yield return $"- `{commit.Sha[..Math.Min(7, commit.Sha.Length)]}` {commit.Subject}";
            }

            if (git.Commits.Count > MaxCommitsListed)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"- and {git.Commits.Count - MaxCommitsListed} more");
            }

            switch (git.Publication)
            {
                case { PullRequestUrl: { } url, Pushed: true }:
                    yield return (git.Publication.PullRequestCreated ? "Pull request: " : "Pull request (updated): ") + url;
                    break;
                case { Pushed: true, Error: null } pushed:
                    yield return $"Pushed: `{git.Branch}` to {pushed.Remote}";
                    break;
            }

            if (git.Publication?.Error is { } publishError)
            {
                yield return $"Publishing failed: {publishError}; `{git.Branch}` is kept in the project's repository";
            }
        }
    }

    public static string Duration(TimeSpan elapsed) => elapsed.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours}h {elapsed.Minutes:00}m")
        : elapsed.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalMinutes}m {elapsed.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)Math.Round(elapsed.TotalSeconds))}s");

    private static string Tail(string text, int max) => text.Length <= max ? text : text[^max..];
}
