using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Replies;

/// <summary>
/// Every <c>replies.progress_interval</c> of a task's run, edits its acknowledgement with the elapsed time and the
/// last lines of output. A Slack <c>response_url</c> takes at most 5 posts, so a task answered through one gets at
/// most <see cref="MaxSlackResponseUrlEdits"/> progress edits (the ending needs one more).
/// </summary>
internal sealed class ProgressReporter(
    RunningTasks running,
    ITaskQueue queue,
    TaskReplies replies,
    AgentConfig config,
    TimeProvider time) : BackgroundService
{
    public const int MaxSlackResponseUrlEdits = 3;

    private readonly TimeSpan _interval = TimeSpan.FromSeconds(config.Webhook.Replies.ProgressInterval);
    private readonly Dictionary<string, (TaskRecord Task, int Edits)> _tracked = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        var tick = TimeSpan.FromSeconds(Math.Clamp(_interval.TotalSeconds / 4, 0.25, 5));
        using var timer = new PeriodicTimer(tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReportAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass over the running tasks (internal for tests).</summary>
    internal async Task ReportAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = running.Snapshot();
        foreach (var gone in _tracked.Keys.Except(current.Select(r => r.Id), StringComparer.Ordinal).ToList())
        {
            _tracked.Remove(gone);
        }

        foreach (var task in current)
        {
            if (!_tracked.TryGetValue(task.Id, out var entry))
            {
                if (await queue.GetAsync(task.Id, cancellationToken) is not { State: TaskState.Running, StartedAt: not null } record
                    || !TaskReplies.CanReply(record.Platform))
                {
                    continue;
                }

                entry = (record, 0);
                _tracked[task.Id] = entry;
            }

            var elapsed = now - entry.Task.StartedAt!.Value;
            if (elapsed < _interval * (entry.Edits + 1) || (IsSlackResponseUrl(entry.Task) && entry.Edits >= MaxSlackResponseUrlEdits))
            {
                continue;
            }

            _tracked[task.Id] = (entry.Task, entry.Edits + 1);
            await replies.ProgressAsync(entry.Task, elapsed, task.Output.Snapshot());
        }
    }

    private static bool IsSlackResponseUrl(TaskRecord task) =>
        task.Platform == "slack" && ReplyContext.Parse(task.ReplyContext)["response_url"] is not null;
}
