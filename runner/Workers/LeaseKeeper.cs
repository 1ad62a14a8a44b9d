using Codeur.Runner.Queue;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

/// <summary>
/// On a shared queue: renews this runner's holds every third of the lease, and sweeps the tasks of runners that
/// stopped renewing (killed, partitioned). A task this runner lost that way (another runner marked it interrupted
/// after the lapse) is stopped here at once, so its container does not keep running beside a successor.
/// Does nothing on a queue that is not leased (SQLite).
/// </summary>
internal sealed partial class LeaseKeeper(
    IServiceProvider services,
    RunnerInstance instance,
    RunningTasks running,
    WorkSignal signal,
    TimeProvider time,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<ILeasedTaskQueue>() is not { } queue)
        {
            return;
        }

        var period = queue.Lease / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var id in await queue.RenewAsync(instance.Id, stoppingToken))
                {
                    if (running.TryGet(id, out var task))
                    {
                        Log.Lost(logger, id);
                        task.Interrupt();
                    }
                }

                var swept = await queue.ReclaimAsync(instance.Id, stoppingToken);
                if (swept.Released.Count > 0)
                {
                    signal.Notify();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Redis unreachable: keep trying; the holds lapse only if this lasts a whole lease.
                Log.RenewFailed(logger, ex.Message);
            }

            try
            {
                await Task.Delay(period, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Warning, "Task {TaskId} was taken over after this runner's lease lapsed; stopping it here")]
        public static partial void Lost(ILogger logger, string taskId);

        [LoggerMessage(121, LogLevel.Warning, "Could not renew this runner's task leases: {Reason}")]
        public static partial void RenewFailed(ILogger logger, string reason);
    }
}
