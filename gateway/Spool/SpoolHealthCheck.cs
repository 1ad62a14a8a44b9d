using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codeur.Gateway.Spool;

/// <summary>The spool's part of <c>/health</c>: how much waits and for how long; unhealthy when it can take no more.</summary>
internal sealed class SpoolHealthCheck(ISpoolStore store, SpoolMetrics metrics, TimeProvider time, long maxEntries) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        SpoolStats stats;
        try
        {
            stats = await store.ReadStatsAsync(cancellationToken);
            metrics.Stats = stats;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("spool store unreachable: " + ex.Message);
        }

        var age = stats.OldestArrival is { } oldest ? (time.GetUtcNow() - oldest).TotalSeconds : 0;
        var description = string.Create(CultureInfo.InvariantCulture, $"{stats.Entries} requests spooled, oldest {age:0.0} s");
        var data = new Dictionary<string, object> { ["entries"] = stats.Entries, ["bytes"] = stats.Bytes, ["oldest_age_seconds"] = age };
        return stats.Entries >= maxEntries
            ? HealthCheckResult.Unhealthy("spool full: " + description, data: data)
            : HealthCheckResult.Healthy(description, data);
    }
}
