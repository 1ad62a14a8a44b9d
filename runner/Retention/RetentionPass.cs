using Codeur.Runner.Queue;

namespace Codeur.Runner.Retention;

/// <summary>What one retention pass did, and the store's size after it.</summary>
internal sealed record RetentionPass(PruneCounts Counts, int Replies, long ReclaimedBytes, long StoreBytes, TimeSpan Duration);
