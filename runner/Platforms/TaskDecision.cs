using Codeur.Runner.Commands;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Platforms;

/// <summary>
/// The outcome of policy and routing for one command: the <see cref="NewTask"/> to enqueue, or the 403/422 to
/// answer with (and, on chat platforms, to show in the reply). <see cref="Project"/> is set once routing chose one.
/// </summary>
internal sealed record TaskDecision
{
    private TaskDecision(NewTask? task, IntakeError? error, string? project)
    {
        Task = task;
        Error = error;
        Project = project;
    }

    public NewTask? Task { get; }

    public IntakeError? Error { get; }

    public string? Project { get; }

    public static TaskDecision Accepted(NewTask task) => new(task, null, task.Project);

    public static TaskDecision Refused(IntakeError error, string? project = null) => new(null, error, project);
}
