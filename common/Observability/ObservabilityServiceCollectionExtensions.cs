using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Codeur.Observability;

public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>ASP.NET Core's request-duration histogram (seconds), with the labels it carries on any request.</summary>
    public const string HostingMeter = "Microsoft.AspNetCore.Hosting";

    /// <summary>
    /// Publishes the named meters on <c>/metrics</c> in Prometheus' text format (see docs/METRICS.md), under their
    /// own names. The registry is this host's own: no process-wide default collectors, nothing shared between hosts.
    /// </summary>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services, params string[] meters)
    {
        var options = new PrometheusMetricsOptions();
        options.Meters.UnionWith(meters);
        // Of the framework meters only the request-duration histogram: each one costs CPU on every request (measured
        // in bench/gateway: all of them together about 15% of the gateway's per-request CPU).
        options.Meters.Add(HostingMeter);
        options.Labels["http.server.request.duration"] = ["http.request.method", "http.response.status_code", "http.route", "error.type"];
        services.AddSingleton(options);
        services.AddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<PrometheusMetricsBridge>();
        services.AddHostedService(sp => sp.GetRequiredService<PrometheusMetricsBridge>());
        return services;
    }

    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics") =>
        endpoints.MapMetrics(pattern, endpoints.ServiceProvider.GetRequiredService<CollectorRegistry>());
}
