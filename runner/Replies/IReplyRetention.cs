namespace Codeur.Runner.Replies;

/// <summary>Pruning of the outbox: delivered or given-up replies go after <c>queue.retention.replies</c>; pending ones never.</summary>
internal interface IReplyRetention
{
    /// <summary>Deletes finished replies queued before <paramref name="cutoff"/>, a batch per write; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken);

    /// <summary>Gives freed space back; returns the bytes given back.</summary>
    Task<long> ReclaimAsync(CancellationToken cancellationToken);
}
