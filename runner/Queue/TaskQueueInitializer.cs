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

/// <summary>
/// Connects to Redis and creates the consumer group while the host starts. Redis being down does not stop the start:
/// the connection keeps retrying and /health reports the queue failing until it answers.
/// </summary>
internal sealed partial class RedisQueueInitializer(RedisTaskQueue queue, ILogger<RedisQueueInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await queue.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            Log.NotReady(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Error, "Redis queue not ready at start ({Reason}); retrying in the background, /health reports it meanwhile")]
        public static partial void NotReady(ILogger logger, string reason);
    }
}
