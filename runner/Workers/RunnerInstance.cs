using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Workers;

/// <summary>
/// This runner's name on claimed tasks and container labels: <c>runner.instance_id</c>, else <c>CODEUR_RUNNER_ID</c>,
/// else the host name. Stable across restarts, so a restarted runner sweeps what its previous life left behind.
/// </summary>
internal sealed class RunnerInstance(SandboxOptions options)
{
    public string Id { get; } = options.InstanceId;
}
