using System.Diagnostics.Metrics;
using Codeur.Gateway.Observability;

namespace Codeur.Gateway.Spool;

/// <summary>
/// <c>webhook_spooled_total{platform,reason}</c>, <c>webhook_drained_total{platform,status}</c>, and the spool's
/// <c>webhook_spool_entries</c>, <c>webhook_spool_bytes</c> and <c>webhook_spool_oldest_age_seconds</c> gauges (the
/// store as last read by the drainer, at most a second old).
/// </summary>
internal sealed class SpoolMetrics
{
    private readonly Counter<long> _spooled;
    private readonly Counter<long> _drained;
    private readonly Histogram<double> _wait;
    private SpoolStats _stats = SpoolStats.Empty;

    public SpoolMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        _spooled = meter.CreateCounter<long>("webhook_spooled", description: "Requests spooled because the runner was away, by platform and reason.");
        _drained = meter.CreateCounter<long>("webhook_drained", description: "Spooled requests forwarded to the runner, by platform and the runner's status.");
        _wait = meter.CreateHistogram<double>("webhook_spool_wait", unit: "s", description: "Time from a spooled request's arrival to the runner's answer.");
        meter.CreateObservableGauge("webhook_spool_entries", () => Stats.Entries, description: "Requests waiting in the spool.");
        meter.CreateObservableGauge("webhook_spool_bytes", () => Stats.Bytes, unit: "By", description: "Bytes the spooled requests take in the store.");
        meter.CreateObservableGauge(
            "webhook_spool_oldest_age",
            () => Stats.OldestArrival is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0,
            unit: "s",
            description: "Age of the oldest spooled request; 0 when the spool is empty.");
    }

    public SpoolStats Stats
    {
        get => Volatile.Read(ref _stats);
        set => Volatile.Write(ref _stats, value);
    }

    public void Spooled(string platform, string reason) =>
        _spooled.Add(1, new KeyValuePair<string, object?>("platform", platform), new KeyValuePair<string, object?>("reason", reason));

    public void Drained(string platform, int status, TimeSpan waited)
    {
        _drained.Add(1, new KeyValuePair<string, object?>("platform", platform), new KeyValuePair<string, object?>("status", status));
        _wait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("platform", platform));
    }
}
