namespace Codeur.Runner.Intake.Routing;

/// <summary>Where a task runs: the mapping entry's name and its canonical, guarded directory.</summary>
internal sealed record ProjectRoute(string Name, string Path);
