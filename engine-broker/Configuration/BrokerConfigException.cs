namespace Codeur.EngineBroker.Configuration;

/// <summary>A setting the broker cannot start with; the message names the environment variable.</summary>
internal sealed class BrokerConfigException(string key, string problem) : Exception($"{key}: {problem}")
{
    public string Key { get; } = key;
}
