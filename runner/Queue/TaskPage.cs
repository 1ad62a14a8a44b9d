namespace Codeur.Runner.Queue;

/// <summary>
/// One page of <see cref="ITaskQueue.ListAsync"/>: matching tasks, newest first, without their output. A store may stop
/// early (it examines a bounded number of tasks per call), so a page can hold fewer than the limit while
/// <see cref="Next"/> is set: pass it as <see cref="TaskQuery.Before"/> to go on. Null when nothing older is left.
/// </summary>
public sealed record TaskPage(IReadOnlyList<TaskRecord> Tasks, long? Next);
