namespace Codeur.Runner.Queue;

/// <summary>The queue's answer to an enqueue: created, a duplicate of an earlier delivery, or full.</summary>
public sealed record EnqueueResult(EnqueueStatus Status, TaskRecord? Task, int QueuePosition = 0);

public enum EnqueueStatus
{
    Created,
    Duplicate,
    Full,
}
