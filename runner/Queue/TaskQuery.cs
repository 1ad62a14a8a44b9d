namespace Codeur.Runner.Queue;

/// <summary>
/// Which tasks <see cref="ITaskQueue.ListAsync"/> returns: newest first, older than <see cref="Before"/> (a
/// <see cref="TaskRecord.Sequence"/>), at most <see cref="Limit"/>. Null filters match everything.
/// </summary>
/// <param name="States">Any of these states.</param>
/// <param name="Project">This project name exactly.</param>
/// <param name="Requester">Requesters containing this text, ignoring ASCII case, taken literally (a requester reads <c>alice</c>, <c>token:ci</c>, <c>U123 via token:relay</c>).</param>
public sealed record TaskQuery(
    IReadOnlySet<TaskState>? States = null,
    string? Project = null,
    string? Requester = null,
    long? Before = null,
    int Limit = 50);
