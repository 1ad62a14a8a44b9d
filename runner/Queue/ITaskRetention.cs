namespace Codeur.Runner.Queue;

/// <summary>
/// Pruning of ended work, implemented by each task store beside <see cref="ITaskQueue"/>. One call is a whole pass,
/// made of writes that each change at most <c>batch</c> records, so intake never waits behind more than one batch.
/// </summary>
internal interface ITaskRetention
{
    Task<PruneCounts> PruneAsync(RetentionCutoffs cutoffs, int batch, CancellationToken cancellationToken);

    /// <summary>The store's size on disk or in memory, in bytes, for <c>queue_store_bytes</c> and the soak.</summary>
    Task<long> SizeAsync(CancellationToken cancellationToken);

    /// <summary>Gives freed space back (SQLite: incremental vacuum and a WAL truncate); returns the bytes given back.</summary>
    Task<long> ReclaimAsync(CancellationToken cancellationToken);
}
