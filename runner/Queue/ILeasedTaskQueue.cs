namespace Codeur.Runner.Queue;

/// <summary>
/// A queue shared by several runners, where a runner's hold on its tasks is a lease it must renew. The runner's
/// lease keeper renews it and sweeps the tasks of runners that stopped renewing.
/// </summary>
internal interface ILeasedTaskQueue
{
    /// <summary>How long a hold lasts without renewal.</summary>
    TimeSpan Lease { get; }

    /// <summary>Renews every hold of <paramref name="owner"/>; returns the ids of tasks it no longer holds (taken over after a lapse).</summary>
    Task<IReadOnlyList<string>> RenewAsync(string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Takes over the tasks of runners whose lease lapsed: unstarted ones go back in line; started ones become
    /// interrupted, their project staying taken until <see cref="UnfenceAsync"/> or their deadline has passed.
    /// </summary>
    Task<ReclaimResult> ReclaimAsync(string sweeper, CancellationToken cancellationToken);

    /// <summary>The container of an interrupted, taken-over task is known dead: its project may run the next task.</summary>
    Task<bool> UnfenceAsync(string id, CancellationToken cancellationToken);
}

/// <summary>What a sweep did: task ids marked interrupted and task ids put back in line.</summary>
internal sealed record ReclaimResult(IReadOnlyList<string> Interrupted, IReadOnlyList<string> Released);
