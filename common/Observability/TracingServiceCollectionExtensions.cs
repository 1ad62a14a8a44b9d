using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Codeur.Observability;

public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry tracing: ASP.NET Core and HttpClient spans (W3C <c>traceparent</c> in and out) and the service's
    /// own <paramref name="sources"/>. The request's span is always made, so audit records carry a W3C trace and span
    /// id; spans are recorded (tags, children) and leave the process only when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or
    /// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>) is set, through the OTLP exporter, which reads the other standard
    /// variables itself (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_BSP_*</c>...).
    /// With an endpoint set the <paramref name="meters"/> go out over OTLP as well.
    /// </summary>
    public static IServiceCollection AddTracing(this IServiceCollection services, string serviceName, string[] sources, string[] meters)
    {
        var tracesExported = IsSet("OTEL_EXPORTER_OTLP_ENDPOINT") || IsSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var metricsExported = IsSet("OTEL_EXPORTER_OTLP_ENDPOINT") || IsSet("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, wins (the SDK's environment detector reads it).
                if (!IsSet("OTEL_SERVICE_NAME"))
                {
                    resource.AddService(serviceName);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(sources)
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (tracesExported)
                {
                    tracing.AddOtlpExporter();
                }
                else
                {
                    // Nothing leaves the process: the request's span is still made (propagation data only), so audit
                    // records keep their trace and span id and traceparent still flows on, but no span records tags,
                    // events or children that nobody reads (issue 16: most of the per-request tracing cost).
                    tracing.SetSampler(new AlwaysOffSampler());
                }
            });
        if (metricsExported)
        {
            telemetry.WithMetrics(metrics => metrics.AddMeter(meters).AddMeter(ObservabilityServiceCollectionExtensions.HostingMeter).AddOtlpExporter());
        }

        return services;
    }

    // Probes and scrapes every few seconds would bury the traces worth reading.
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);

    private static bool IsSet(string name) => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name));
}
