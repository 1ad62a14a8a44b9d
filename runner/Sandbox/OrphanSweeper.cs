using Docker.DotNet;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// Kills and removes containers carrying this runner's label that no live task owns: what a crash, a kill -9 of
/// the runner or a failed removal left behind. Runs once at start-up (before any worker takes a task) and then
/// every <c>sandbox.sweep_interval</c>.
/// </summary>
internal sealed partial class OrphanSweeper(
    IContainerRuntime runtime,
    SandboxOptions options,
    SandboxTaskRegistry registry,
    TimeProvider time,
    ILogger<OrphanSweeper> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await SweepOnceSafelyAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>One sweep; returns how many containers were removed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        var containers = await runtime.ListByLabelAsync(SandboxLabels.Runner, options.InstanceId, cancellationToken);
        foreach (var container in containers)
        {
            var taskId = container.Labels?.TryGetValue(SandboxLabels.Task, out var value) == true ? value : null;
            if (taskId is not null && registry.IsLive(taskId))
            {
                continue;
            }

            try
            {
                await runtime.KillAsync(container.ID, cancellationToken);
                await runtime.RemoveAsync(container.ID, cancellationToken);
                Log.Swept(logger, container.ID, taskId ?? "-", container.State ?? "-");
                removed++;
            }
            catch (DockerApiException ex)
            {
                // One stubborn container must not stop the sweep (or, through the hosted service, the runner).
                Log.SweepOneFailed(logger, container.ID, ex.Message);
            }
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await SweepOnceSafelyAsync(stoppingToken);
        }
    }

    private async Task SweepOnceSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SweepAsync(cancellationToken);
        }
        catch (ContainerEngineUnavailableException ex)
        {
            // Docker being down must not stop the runner; /health says so and the next tick retries.
            Log.SweepFailed(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3200, Level = LogLevel.Warning, Message = "Removed leftover sandbox container {ContainerId} (task {TaskId}, state {State})")]
        public static partial void Swept(ILogger logger, string containerId, string taskId, string state);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Could not remove leftover sandbox container {ContainerId}: {Reason}")]
        public static partial void SweepOneFailed(ILogger logger, string containerId, string reason);

        [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Orphan sweep skipped: {Reason}")]
        public static partial void SweepFailed(ILogger logger, string reason);
    }
}
