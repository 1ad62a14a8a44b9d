using Codeur.Runner.Queue;

namespace Codeur.Runner.Tasks;

/// <summary>The result of <see cref="TaskCancellation.CancelAsync"/>; <see cref="Task"/> is null when not found.</summary>
internal sealed record CancelOutcome(CancelStatus Status, TaskRecord? Task);
