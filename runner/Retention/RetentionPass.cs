using Codeur.Runner.Queue;

namespace Codeur.Runner.Retention;

/// <summary>What one retention pass did, and the store's size after it.</summary>
internal sealed record RetentionPass(PruneCounts Counts, int Replies, long ReclaimedBytes, long StoreBytes, TimeSpan Duration)
{
    /// <summary>Output objects deleted from <c>storage.s3</c>.</summary>
    public int OutputObjects { get; init; }
}
