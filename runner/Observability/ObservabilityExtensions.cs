using Codeur.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Codeur.Observability;

namespace Codeur.Runner.Observability;

internal static class ObservabilityExtensions
{
    public static IServiceCollection AddRunnerObservability(this IServiceCollection services)
    {
        services.AddSingleton<RunnerMetrics>();
        services.AddPrometheusMetrics(RunnerMetrics.MeterName, "Codeur.Audit");
        services.AddTracing("codeur-runner", [RunnerTracing.SourceName], [RunnerMetrics.MeterName, "Codeur.Audit"]);
        return services;
    }

    /// <summary>
    /// <c>/health</c> (queue and Docker, 503 naming the failing one), <c>/health/live</c> (the process answers: for
    /// liveness probes, so an engine outage does not get the runner restarted) and <c>/metrics</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapRunnerObservability(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = HealthResponseWriter.WriteAsync,
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
        });
        endpoints.MapGet("/health/live", () => Results.Json(new { status = "healthy" }));
        endpoints.MapPrometheusMetrics("/metrics");
        return endpoints;
    }
}
