using System.Diagnostics.Metrics;

namespace Codeur.Gateway.Observability;

/// <summary>The gateway's instruments; published on /metrics by <see cref="Codeur.Observability.PrometheusMetricsBridge"/> (counters gain <c>_total</c>).</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Codeur.Gateway";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("webhook_requests", description: "Requests received, by platform route.");
        _errors = meter.CreateCounter<long>("webhook_errors", description: "Requests rejected or failed, by error type.");
    }

    public void RequestReceived(string platform) => _requests.Add(1, new KeyValuePair<string, object?>("platform", platform));

    public void Error(string type) => _errors.Add(1, new KeyValuePair<string, object?>("type", type));
}
