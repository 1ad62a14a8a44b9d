using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

/// <summary>
/// On a shared queue: renews this runner's holds every third of the lease (and stops those whose cancel was
/// requested through another runner), refreshes the queue gauges from the shared
/// store, and sweeps the tasks of runners that
/// stopped renewing (killed, partitioned). A task this runner lost that way (another runner marked it interrupted
/// after the lapse) is stopped here at once, so its container does not keep running beside a successor.
/// A dead runner's started task is interrupted, and its container, if this runner's engine has it (runners sharing a
/// host), is killed before its project may run again; otherwise the project waits out the task's deadline.
/// Does nothing on a queue that is not leased (SQLite).
/// </summary>
internal sealed partial class LeaseKeeper(
    IServiceProvider services,
    IContainerRuntime containers,
    RunnerInstance instance,
    RunningTasks running,
    RunnerMetrics metrics,
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
                var renewed = await queue.RenewAsync(instance.Id, stoppingToken);
                foreach (var id in renewed.Lost)
                {
                    if (running.TryGet(id, out var task))
                    {
                        Log.Lost(logger, id);
                        task.Interrupt();
                    }
                }

                // A cancel through another runner's API only flagged the task in Redis: act on it here.
                foreach (var id in renewed.CancelRequested)
                {
                    if (running.TryGet(id, out var task) && !task.Token.IsCancellationRequested)
                    {
                        task.Cancel();
                    }
                }

                var swept = await queue.ReclaimAsync(instance.Id, stoppingToken);
                foreach (var id in swept.Interrupted)
                {
                    if (await KillOrphanAsync(id, stoppingToken))
                    {
                        await queue.UnfenceAsync(id, stoppingToken);
                    }

                    // The dead runner cannot tell its user; the sweeper does ("interrupted", like any other ending).
                    if (services.GetService<Replies.TaskReplies>() is { } replies
                        && await services.GetRequiredService<ITaskQueue>().GetAsync(id, stoppingToken) is { } task)
                    {
                        await replies.EndedAsync(task);
                    }
                }

                if (swept.Released.Count > 0 || swept.Interrupted.Count > 0)
                {
                    signal.Notify();
                }

                // The deployment-wide queue length, even while every worker here is busy (idle workers refresh it too).
                metrics.Queue(await services.GetRequiredService<ITaskQueue>().GetStatsAsync(stoppingToken));
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

    /// <summary>Kills and removes the task's containers in this runner's engine; true if there were any.</summary>
    private async Task<bool> KillOrphanAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            var found = await containers.ListByLabelAsync(SandboxLabels.Task, taskId, cancellationToken);
            foreach (var container in found)
            {
                await containers.KillAsync(container.ID, cancellationToken);
                await containers.RemoveAsync(container.ID, cancellationToken);
                Log.OrphanKilled(logger, container.ID, taskId);
            }

            return found.Count > 0;
        }
        catch (Exception ex) when (ex is ContainerEngineUnavailableException or Docker.DotNet.DockerApiException)
        {
            Log.RenewFailed(logger, ex.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(122, LogLevel.Warning, "Killed container {ContainerId} of task {TaskId}, left running by a runner that died")]
        public static partial void OrphanKilled(ILogger logger, string containerId, string taskId);

        [LoggerMessage(120, LogLevel.Warning, "Task {TaskId} was taken over after this runner's lease lapsed; stopping it here")]
        public static partial void Lost(ILogger logger, string taskId);

        [LoggerMessage(121, LogLevel.Warning, "Could not renew this runner's task leases: {Reason}")]
        public static partial void RenewFailed(ILogger logger, string reason);
    }
}
