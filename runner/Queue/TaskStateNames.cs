namespace Codeur.Runner.Queue;

/// <summary>
/// The stored (and wire) names of <see cref="TaskState"/>. Spelled out rather than derived from the enum names so
/// that renaming a member can never silently change what is on disk or in another backend.
/// </summary>
internal static class TaskStateNames
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Cancelled = "cancelled";
    public const string Interrupted = "interrupted";

    public static string ToName(this TaskState state) => state switch
    {
        TaskState.Queued => Queued,
        TaskState.Running => Running,
        TaskState.Succeeded => "succeeded",
        TaskState.Failed => "failed",
        TaskState.TimedOut => "timed_out",
        TaskState.OomKilled => "oom_killed",
        TaskState.OutputLimit => "output_limit",
        TaskState.Cancelled => Cancelled,
        TaskState.Interrupted => Interrupted,
        TaskState.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown task state"),
    };

    public static TaskState Parse(string name) => name switch
    {
        Queued => TaskState.Queued,
        Running => TaskState.Running,
        "succeeded" => TaskState.Succeeded,
        "failed" => TaskState.Failed,
        "timed_out" => TaskState.TimedOut,
        "oom_killed" => TaskState.OomKilled,
        "output_limit" => TaskState.OutputLimit,
        Cancelled => TaskState.Cancelled,
        Interrupted => TaskState.Interrupted,
        "rejected" => TaskState.Rejected,
        _ => throw new FormatException($"unknown stored task state '{name}'"),
    };

    public static bool IsFinal(this TaskState state) => state is not (TaskState.Queued or TaskState.Running);
}
