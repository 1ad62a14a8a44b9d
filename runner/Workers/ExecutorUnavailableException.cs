namespace Codeur.Runner.Workers;

/// <summary>The execution engine cannot run anything right now (e.g. the Docker engine is down); nothing was started.</summary>
internal sealed class ExecutorUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
