using Codeur.Gateway.Http;
using Codeur.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Codeur.Observability;

namespace Codeur.Gateway.Observability;

internal static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<Rejection>();
        services.AddHttpClient(RunnerHealthCheck.ClientName, client => client.Timeout = TimeSpan.FromSeconds(2));
        services.AddHealthChecks().AddCheck<RunnerHealthCheck>("runner");
        services.AddPrometheusMetrics(GatewayMetrics.MeterName, "Codeur.Audit");
        return services;
    }

    public static IApplicationBuilder UseRequestCounting(this IApplicationBuilder app) => app.UseMiddleware<RequestCountingMiddleware>();

    public static IEndpointRouteBuilder MapGatewayObservability(this IEndpointRouteBuilder endpoints)
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
