namespace Codeur.Runner.Queue;

/// <summary>
/// A queue shared by several runners, where a runner's hold on its tasks is a lease it must renew. The runner's
/// lease keeper renews it and sweeps the tasks of runners that stopped renewing.
/// </summary>
internal interface ILeasedTaskQueue
{
    /// <summary>How long a hold lasts without renewal.</summary>
    TimeSpan Lease { get; }

    /// <summary>
    /// Renews every hold of <paramref name="owner"/>; returns the tasks it no longer holds (taken over after a lapse)
    /// and the held tasks whose cancel was requested, possibly through another runner's API.
    /// </summary>
    Task<RenewResult> RenewAsync(string owner, CancellationToken cancellationToken);

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

/// <summary>What a heartbeat found: task ids no longer held, and held task ids with a cancel request.</summary>
internal sealed record RenewResult(IReadOnlyList<string> Lost, IReadOnlyList<string> CancelRequested);
