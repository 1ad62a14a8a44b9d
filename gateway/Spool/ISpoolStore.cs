namespace Codeur.Gateway.Spool;

/// <summary>
/// Where spooled requests wait. Append is durable when it returns; entries come back oldest first; an entry leaves
/// only when the runner gave a definitive answer, so a gateway that dies mid-drain forwards it again (the runner
/// dedupes on the request id).
/// </summary>
internal interface ISpoolStore : IAsyncDisposable
{
    /// <summary>
    /// True while any entry may be waiting (or being written): a new request then joins the spool rather than
    /// overtake it. Cheap, read on every submission; may say true a little longer than needed, never false too early.
    /// </summary>
    bool HasWaiting { get; }

    /// <summary>False when the spool is at <c>max_entries</c> or <c>max_bytes</c>.</summary>
    Task<bool> AppendAsync(SpooledRequest request, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="count"/> of the oldest entries, in arrival order.</summary>
    Task<IReadOnlyList<SpoolEntry>> PeekAsync(int count, CancellationToken cancellationToken);

    Task RemoveAsync(SpoolEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries, bytes and the oldest arrival, read from the store (for gauges, health and the drainer).</summary>
    Task<SpoolStats> ReadStatsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether this gateway may drain now. Arrival order needs one drainer at a time: always true for a local
    /// directory; a renewed lease in Redis when several gateways share the spool.
    /// </summary>
    Task<bool> TryLeadAsync(CancellationToken cancellationToken);
}

/// <summary>A stored request and the store's handle for it (a file name, a stream entry id).</summary>
internal sealed record SpoolEntry(string Handle, SpooledRequest Request);

internal sealed record SpoolStats(long Entries, long Bytes, DateTimeOffset? OldestArrival)
{
    public static SpoolStats Empty { get; } = new(0, 0, null);
}
