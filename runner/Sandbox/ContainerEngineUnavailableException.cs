namespace Codeur.Runner.Sandbox;

/// <summary>
/// The Docker engine could not be reached or did not answer in time. Thrown only where nothing of the task has run
/// yet, so the queue may retry with back-off.
/// </summary>
internal sealed class ContainerEngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
