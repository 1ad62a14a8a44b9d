namespace Codeur.Configuration;

/// <summary>The configuration cannot be used; the message names the key path and, where known, the line.</summary>
public sealed class AgentConfigException(string message, IReadOnlyList<string>? errors = null) : Exception(message)
{
    public IReadOnlyList<string> Errors { get; } = errors ?? [message];
}
