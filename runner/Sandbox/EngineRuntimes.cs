namespace Codeur.Runner.Sandbox;

/// <summary>The OCI runtimes an engine has registered (<c>docker info</c>'s <c>Runtimes</c>) and its default.</summary>
internal sealed record EngineRuntimes(IReadOnlyDictionary<string, EngineRuntime> Registered, string DefaultRuntime);
