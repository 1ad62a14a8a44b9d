namespace Codeur.Runner.Queue;

/// <summary>The snake_case names of task states used in JSON, storage, metrics and replies.</summary>
public static class TaskStateNames
{
    public static string ToName(this TaskState state) => state switch
    {
        TaskState.Queued => "queued",
        TaskState.Running => "running",
        TaskState.Succeeded => "succeeded",
        TaskState.Failed => "failed",
        TaskState.TimedOut => "timed_out",
        TaskState.OomKilled => "oom_killed",
        TaskState.OutputLimit => "output_limit",
        TaskState.Cancelled => "cancelled",
        TaskState.Interrupted => "interrupted",
        TaskState.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool IsFinal(this TaskState state) => state is not (TaskState.Queued or TaskState.Running);
}
