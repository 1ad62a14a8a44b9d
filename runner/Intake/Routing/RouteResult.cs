using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Routing;

/// <summary>A chosen project (<see cref="Project"/>), a guarded one (<see cref="Route"/>), or the 422 to answer with.</summary>
internal sealed record RouteResult
{
    private RouteResult(ProjectRule? project, ProjectRoute? route, IntakeError? error)
    {
        Project = project;
        Route = route;
        Error = error;
    }

    public ProjectRule? Project { get; }

    public ProjectRoute? Route { get; }

    public IntakeError? Error { get; }

    public static RouteResult Routed(ProjectRule project) => new(project, null, null);

    public static RouteResult Guarded(ProjectRoute route) => new(null, route, null);

    public static RouteResult Failed(string message) => new(null, null, IntakeError.Unprocessable(message));
}
