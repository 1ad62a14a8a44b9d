using Codeur.Gateway.Http;
using Codeur.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Codeur.Observability;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Codeur.Gateway.Observability;

internal static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<Rejection>();
        services.AddHttpClient(RunnerHealthCheck.ClientName, client => client.Timeout = TimeSpan.FromSeconds(2));
        services.AddHealthChecks().AddCheck<RunnerHealthCheck>(RunnerHealthCheck.Name);
        services.AddPrometheusMetrics(GatewayMetrics.MeterName, "Codeur.Audit");
        services.AddTracing("codeur-gateway", [GatewayTracing.SourceName], [GatewayMetrics.MeterName, "Codeur.Audit"]);

        // Replace, not Add: authorization registers its evaluator with TryAdd, so either order leaves this one.
        services.Replace(ServiceDescriptor.Transient<IPolicyEvaluator, TracedPolicyEvaluator>());
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
        endpoints.MapPrometheusMetrics("/metrics");
        return endpoints;
    }
}
