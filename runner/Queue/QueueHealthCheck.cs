using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codeur.Runner.Queue;

/// <summary>Reports whether the queue's store answers within two seconds: without it nothing can be accepted.</summary>
internal sealed class QueueHealthCheck(ITaskQueue queue) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await queue.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy("queue store answers");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "queue store did not answer within 2 s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "queue store failed: " + ex.Message);
        }
    }
}
