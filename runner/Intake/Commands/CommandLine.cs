namespace Codeur.Runner.Intake.Commands;

/// <summary>A parsed command line: the lower-cased command word, its arguments (hint removed) and the <c>--project</c> hint.</summary>
internal sealed record CommandLine(string Command, IReadOnlyList<string> Args, string? ProjectHint);
