namespace Codeur.Runner.Queue;

/// <summary>
/// Opens and migrates the queue while the host starts, so an unwritable path or a schema from a newer runner stops
/// the start-up with its message instead of failing the first webhook.
/// </summary>
internal sealed class TaskQueueInitializer(SqliteTaskQueue queue) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => queue.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
