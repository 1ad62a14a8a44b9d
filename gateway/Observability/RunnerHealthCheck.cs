using Codeur.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codeur.Gateway.Observability;

/// <summary>
/// Asks the runner's <c>/health</c> with a one-second budget: the gateway is alive either way, but not useful without
/// it — unless it spools, in which case a runner away is <c>degraded</c> (the registration's failure status).
/// </summary>
internal sealed class RunnerHealthCheck(IHttpClientFactory clients, AgentConfig config) : IHealthCheck
{
    public const string ClientName = "runner-health";

    public const string Name = "runner";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            var client = clients.CreateClient(ClientName);
            using var response = await client.GetAsync(new Uri(new Uri(config.Webhook.Runner.Url), "/health"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy("runner reachable")
                : new HealthCheckResult(context.Registration.FailureStatus, $"runner answered {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "runner did not answer within 1 s");
        }
        catch (HttpRequestException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "runner unreachable: " + ex.Message);
        }
    }
}
