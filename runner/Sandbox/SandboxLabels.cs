namespace Codeur.Runner.Sandbox;

/// <summary>Labels on every sandbox container: who owns it, for which task, until when (the orphan sweep reads them).</summary>
internal static class SandboxLabels
{
    public const string Runner = "codeur.runner";
    public const string Task = "codeur.task";
    public const string Deadline = "codeur.deadline";
}
