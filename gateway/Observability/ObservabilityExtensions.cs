using Codeur.Gateway.Http;
using Codeur.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace Codeur.Gateway.Observability;

internal static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<Rejection>();
        services.AddHttpClient(RunnerHealthCheck.ClientName, client => client.Timeout = TimeSpan.FromSeconds(2));
        services.AddHealthChecks().AddCheck<RunnerHealthCheck>(RunnerHealthCheck.Name);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            // Only our meters and the request-duration histogram: each framework meter costs CPU on every request
            // (measured in bench/gateway: all of them together about 15% of the gateway's per-request CPU).
            .AddMeter(GatewayMetrics.MeterName, "Codeur.Audit", "Microsoft.AspNetCore.Hosting")
            .AddPrometheusExporter());
        return services;
    }

    public static IApplicationBuilder UseRequestCounting(this IApplicationBuilder app) => app.UseMiddleware<RequestCountingMiddleware>();

    public static IEndpointRouteBuilder MapGatewayObservability(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = HealthResponseWriter.WriteAsync,
            // Degraded only with a spool: the runner is away, requests are accepted and spooled, so still in service.
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
        });
        endpoints.MapGet("/health/live", () => Results.Json(new { status = "healthy" }));
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        return endpoints;
    }
}
