using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Codeur.Observability;

/// <summary>
/// Publishes this host's own <see cref="System.Diagnostics.Metrics"/> instruments to a prometheus-net registry under
/// the names the instruments carry, so Prometheus reads exactly <c>webhook_requests_total</c> and
/// <c>task_execution_duration_bucket</c>. Hand-written because neither library does that: OpenTelemetry's Prometheus
/// exporter is still a beta and appends the unit (<c>task_execution_duration_seconds</c>); prometheus-net's own
/// <c>MeterAdapter</c> prefixes the meter's name and exports counters as gauges (MeterAdapter.cs: "We do not
/// represent any of the counter style .NET meter types as counters"). The instruments stay the single source
/// (tests read them with <c>MetricCollector</c>; OTLP can export them too); this class only names them.
/// </summary>
/// <remarks>
/// Naming: dots and dashes become underscores, counters gain <c>_total</c>, nothing else is added (the unit is
/// in docs/METRICS.md, not in the name). Labels are the tag keys of an instrument's first measurement (or the
/// set declared in <see cref="PrometheusMetricsOptions.Labels"/>); a later measurement missing one gets an
/// empty value, an extra tag is not exported. Only meters created by this host's <see cref="IMeterFactory"/> are
/// read, so several hosts in one process (tests) never mix their counts.
/// </remarks>
public sealed class PrometheusMetricsBridge : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<Instrument, Exported> _exported = new();
    private readonly MeterListener _listener = new();
    private readonly IMeterFactory _meters;
    private readonly PrometheusMetricsOptions _options;
    private readonly MetricFactory _factory;
    private volatile bool _stopped;

    public PrometheusMetricsBridge(IMeterFactory meters, CollectorRegistry registry, PrometheusMetricsOptions options)
    {
        _meters = meters;
        _options = options;
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));

        // Observable gauges are read when Prometheus scrapes, never in between.
        registry.AddBeforeCollectCallback(() =>
        {
            if (!_stopped)
            {
                _listener.RecordObservableInstruments();
            }
        });
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Start() also publishes the instruments created before it.
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _stopped = true;
        _listener.Dispose();
    }

    /// <summary>The Prometheus name of an instrument: <c>webhook_requests</c> (counter) → <c>webhook_requests_total</c>.</summary>
    public static string NameOf(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        var counter = instrument.GetType().GetGenericTypeDefinition() is var type && (type == typeof(Counter<>) || type == typeof(ObservableCounter<>));
        return counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (ReferenceEquals(instrument.Meter.Scope, _meters) && _options.Meters.Contains(instrument.Meter.Name))
        {
            listener.EnableMeasurementEvents(instrument);
        }
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_exported.TryGetValue(instrument, out var exported))
        {
            exported = _exported.GetOrAdd(instrument, Export(instrument, TagKeys(tags)));
        }

        exported.Record(value, tags);
    }

    private static string[] TagKeys(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var keys = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            keys[i] = tags[i].Key;
        }

        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    private Exported Export(Instrument instrument, string[] tagKeys)
    {
        if (_options.Labels.TryGetValue(instrument.Name, out var declared))
        {
            tagKeys = [.. declared];
        }

        var name = NameOf(instrument);
        var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
        var labels = tagKeys.Select(Sanitize).ToArray();
        var type = instrument.GetType().GetGenericTypeDefinition();
        Action<string[], double> record;
        if (type == typeof(Counter<>))
        {
            var counter = _factory.CreateCounter(name, help, labels);
            record = (values, value) => counter.WithLabels(values).Inc(value);
        }
        else if (type == typeof(ObservableCounter<>))
        {
            var counter = _factory.CreateCounter(name, help, labels);
            record = (values, value) => counter.WithLabels(values).IncTo(value);
        }
        else if (type == typeof(Histogram<>))
        {
            var histogram = _factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = BucketsOf(instrument) });
            record = (values, value) => histogram.WithLabels(values).Observe(value);
        }
        else if (type == typeof(UpDownCounter<>))
        {
            var gauge = _factory.CreateGauge(name, help, labels);
            record = (values, value) => gauge.WithLabels(values).Inc(value);
        }
        else
        {
            var gauge = _factory.CreateGauge(name, help, labels);
            record = (values, value) => gauge.WithLabels(values).Set(value);
        }

        return new Exported(tagKeys, record);
    }

    private static double[] BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds],
        Histogram<long> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(b => (double)b)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(b => (double)b)],
        _ => Histogram.ExponentialBuckets(0.005, 2, 14),
    };

    private static string Sanitize(string name) => name.Replace('.', '_').Replace('-', '_');

    private sealed class Exported(string[] tagKeys, Action<string[], double> record)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = new string[tagKeys.Length];
            for (var i = 0; i < tagKeys.Length; i++)
            {
                values[i] = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == tagKeys[i])
                    {
                        values[i] = tag.Value?.ToString() ?? "";
                        break;
                    }
                }
            }

            record(values, value);
        }
    }
}
