namespace Codeur.Runner.Sandbox;

/// <summary>One result of <see cref="SandboxRuntimeCheck"/>: the config key it is about, what is wrong, and whether the runner may start.</summary>
internal sealed record RuntimeFinding(string Key, string Message, bool Fatal)
{
    public override string ToString() => $"{Key}: {Message}";
}
