using System.Collections.Concurrent;

namespace Codeur.Runner.Tasks;

/// <summary>The tasks this runner is executing now: their live output and the switch that stops them.</summary>
internal sealed class RunningTasks
{
    private readonly ConcurrentDictionary<string, RunningTask> _tasks = new(StringComparer.Ordinal);

    public int Count => _tasks.Count;

    public RunningTask Start(string id)
    {
        var running = new RunningTask(id);
        _tasks[id] = running;
        return running;
    }

    public bool TryGet(string id, out RunningTask running) => _tasks.TryGetValue(id, out running!);

    public void Finish(RunningTask running)
    {
        _tasks.TryRemove(new KeyValuePair<string, RunningTask>(running.Id, running));
        running.Output.Complete();
    }

    public IReadOnlyCollection<RunningTask> Snapshot() => [.. _tasks.Values];
}

internal sealed class RunningTask(string id) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;

    public TaskOutput Output { get; } = new();

    public CancellationToken Token => _stop.Token;

    /// <summary>Set when the stop came from shutdown rather than a user's cancel: the ending is then "interrupted".</summary>
    public bool Interrupted { get; private set; }

    public Task Finished => _finished.Task;

    public void Cancel() => _stop.Cancel();

    public void Interrupt()
    {
        Interrupted = true;
        _stop.Cancel();
    }

    public void MarkFinished() => _finished.TrySetResult();

    public void Dispose() => _stop.Dispose();
}
