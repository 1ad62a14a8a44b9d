namespace Codeur.Observability;

/// <summary>Which meters <see cref="PrometheusMetricsBridge"/> publishes, and label sets fixed ahead of the first measurement.</summary>
public sealed class PrometheusMetricsOptions
{
    public HashSet<string> Meters { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Instrument name → tag keys exported as labels, for instruments whose tags vary between measurements
    /// (ASP.NET Core's request duration adds <c>error.type</c> only on failures).
    /// </summary>
    public Dictionary<string, string[]> Labels { get; } = new(StringComparer.Ordinal);
}
