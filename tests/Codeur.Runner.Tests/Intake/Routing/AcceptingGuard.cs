using Codeur.Runner.Intake.Routing;
using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Intake.Routing;

/// <summary>Accepts every path unchanged, or refuses with a fixed reason, so routing tests need no directories.</summary>
internal sealed class AcceptingGuard(string? refuseWith = null) : IProjectPathGuard
{
    public List<string> Checked { get; } = [];

    public PathCheck Check(string path)
    {
        Checked.Add(path);
        return refuseWith is null ? PathCheck.Allowed(path) : PathCheck.Rejected(PathRejection.Forbidden, refuseWith);
    }
}
