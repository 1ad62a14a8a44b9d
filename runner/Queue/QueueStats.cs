namespace Codeur.Runner.Queue;

public sealed record QueueStats(int Queued, int Running);
