namespace Codeur.Gateway.Tests.Observability;

/// <summary>
/// OpenTelemetry matches meters by name across the whole process, so gateways started in parallel by other tests
/// (each with a "Codeur.Gateway" meter) would shadow this host's instruments. In production there is one host per
/// process; here the metrics tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
