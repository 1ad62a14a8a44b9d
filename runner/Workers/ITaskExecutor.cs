using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

/// <summary>
/// Runs one claimed task to its ending. Cancelling <paramref name="cancellationToken"/> kills the work within a
/// second and returns a <see cref="TaskState.Cancelled"/> outcome; it does not throw for that.
/// Throws <see cref="ExecutorUnavailableException"/> when nothing was started and trying again later may work.
/// </summary>
internal interface ITaskExecutor
{
    Task<TaskOutcome> ExecuteAsync(TaskRecord task, TaskOutput output, CancellationToken cancellationToken);
}
