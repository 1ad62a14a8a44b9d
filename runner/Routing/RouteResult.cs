using Codeur.Runner.Commands;

namespace Codeur.Runner.Routing;

/// <summary>Either a <see cref="ProjectRoute"/> or the 422 to answer with.</summary>
internal sealed record RouteResult
{
    private RouteResult(ProjectRoute? route, IntakeError? error)
    {
        Route = route;
        Error = error;
    }

    public ProjectRoute? Route { get; }

    public IntakeError? Error { get; }

    public static RouteResult Routed(ProjectRoute route) => new(route, null);

    public static RouteResult Failed(string message) => new(null, IntakeError.Unprocessable(message));
}
