using Codeur.Configuration;

namespace Codeur.Runner.Workers;

/// <summary>This runner's name on claimed tasks and container labels: <c>runner.instance_id</c> or the host name.</summary>
internal sealed class RunnerInstance(AgentConfig config)
{
    public string Id { get; } = string.IsNullOrWhiteSpace(config.Webhook.Runner.InstanceId) ? Environment.MachineName : config.Webhook.Runner.InstanceId;
}
