namespace Codeur.Configuration;

/// <summary>The durable task queue: embedded SQLite by default, Redis when scaled out.</summary>
public sealed class QueueSection
{
    public string Backend { get; set; } = "sqlite";
    public string Path { get; set; } = "./data/codeur.db";
    public string? Connection { get; set; }
    public int Capacity { get; set; } = 1000;

    /// <summary>
    /// Redis backend: seconds a runner's hold on a project (its lock) lasts without renewal. A dead runner's tasks are
    /// reclaimed (not started) or marked interrupted (started) by the others once it lapses.
    /// </summary>
    public int Lease { get; set; } = 30;

    /// <summary>When ended tasks, their outputs, dedupe keys and finished replies are pruned (<see cref="RetentionSection"/>).</summary>
    public RetentionSection Retention { get; set; } = new();
}
