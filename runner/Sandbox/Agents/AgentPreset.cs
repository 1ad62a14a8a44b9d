namespace Codeur.Runner.Sandbox.Agents;

/// <summary>
/// A widely used headless coding-agent CLI: the argv that runs it non-interactively on one task, the environment
/// variables that carry its credentials (passed from the runner's environment into <c>run</c> containers only), the
/// API hosts it needs (for <c>sandbox.egress_allow</c>), and where its image recipe lives.
/// </summary>
/// <param name="Name">The <c>sandbox.agent</c> value.</param>
/// <param name="Run">The <c>run</c> argv template; <c>{task}</c> becomes one argument.</param>
/// <param name="Credentials">Variables passed through when set in the runner's environment; their values are secrets.</param>
/// <param name="Settings">Non-secret variables passed through when set (model names, base URLs).</param>
/// <param name="EgressHosts">The hosts its default provider needs, to copy into <c>sandbox.egress_allow</c>.</param>
/// <param name="Recipe">The Dockerfile directory under <c>deploy/agents/</c>.</param>
internal sealed record AgentPreset(
    string Name,
    IReadOnlyList<string> Run,
    IReadOnlyList<string> Credentials,
    IReadOnlyList<string> Settings,
    IReadOnlyList<string> EgressHosts,
    string Recipe);
