using System.Collections.Concurrent;
using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;

namespace Codeur.Runner.Tests.Workers;

/// <summary>
/// An execution engine stand-in: records every call (and how many ran at once, overall and per project) and plays
/// <paramref name="script"/>, by default an immediate success. Scripts honour the <see cref="ITaskExecutor"/>
/// contract: a cancelled task returns a cancelled outcome, it does not throw.
/// </summary>
internal sealed class ScriptedExecutor(Func<TaskRecord, TaskOutput, CancellationToken, Task<TaskOutcome>>? script = null) : ITaskExecutor
{
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private readonly Dictionary<string, int> _runningPerProject = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new(StringComparer.Ordinal);
    private int _maxPerProject;

    /// <summary>Task ids in call order (a retried task appears once per attempt).</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public int MaxConcurrentPerProject
    {
        get
        {
            lock (_gate)
            {
                return _maxPerProject;
            }
        }
    }

    /// <summary>A release that never comes: the task runs until it is cancelled.</summary>
    public static Task Never { get; } = new TaskCompletionSource().Task;

    public static Task<TaskOutcome> Succeed(TaskRecord task, TaskOutput output, CancellationToken cancellationToken)
    {
        output.Append("done\n");
        return Task.FromResult(new TaskOutcome(TaskState.Succeeded, 0, "done\n", null));
    }

    /// <summary>Runs until <paramref name="release"/> completes (then succeeds) or the task is cancelled.</summary>
    public static async Task<TaskOutcome> UntilReleased(Task release, TaskOutput output, CancellationToken cancellationToken)
    {
        try
        {
            await release.WaitAsync(cancellationToken);
            output.Append("released\n");
            return new TaskOutcome(TaskState.Succeeded, 0, output.Snapshot(), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new TaskOutcome(TaskState.Cancelled, null, output.Snapshot(), "cancelled on request");
        }
    }

    public Task WhenStarted(string taskId) => Started(taskId).Task;

    public int CallCount(string taskId)
    {
        lock (_gate)
        {
            return _calls.Count(id => id == taskId);
        }
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskRecord task, TaskOutput output, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _calls.Add(task.Id);
            var running = _runningPerProject.GetValueOrDefault(task.Project) + 1;
            _runningPerProject[task.Project] = running;
            _maxPerProject = Math.Max(_maxPerProject, running);
        }

        Started(task.Id).TrySetResult();
        try
        {
            return await (script ?? Succeed)(task, output, cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _runningPerProject[task.Project]--;
            }
        }
    }

    private TaskCompletionSource Started(string taskId) =>
        _started.GetOrAdd(taskId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
