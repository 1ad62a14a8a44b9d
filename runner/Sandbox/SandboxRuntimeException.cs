namespace Codeur.Runner.Sandbox;

/// <summary>A configured OCI runtime the engine cannot provide: the runner does not start.</summary>
internal sealed class SandboxRuntimeException(string message) : Exception(message);
