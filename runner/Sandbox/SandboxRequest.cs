namespace Codeur.Runner.Sandbox;

/// <summary>One task to run: which project (not yet trusted: the guard checks it), which argv, how long.</summary>
/// <param name="OnOutput">
/// Live output, chunk by chunk as it arrives (for followable logs). The memory is only valid during the call.
/// </param>
/// <param name="WorkingDirectory">Where in the container the argv starts (under the workspace); null: the workspace.</param>
/// <param name="Environment">Extra <c>NAME=value</c> entries (an agent's credentials); never logged.</param>
/// <param name="AgentRun">
/// The agent's own container: it joins the egress network when <c>network: egress</c> is configured (every other
/// container stays without network).
/// </param>
/// <param name="Network">A network chosen by the caller instead of the options' (the push container's forge network).</param>
/// <param name="Command">
/// The chat command this container serves (<c>run</c> for the agent and its worktree steps). It picks the runtime
/// (<c>sandbox.runtimes</c>), and only <c>run</c> gets the project mounted writable: null or any other command reads only.
/// </param>
internal sealed record SandboxRequest(
    string TaskId,
    string ProjectPath,
    IReadOnlyList<string> Argv,
    TimeSpan? Timeout = null,
    Func<OutputStreamKind, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? OnOutput = null,
    string? WorkingDirectory = null,
    IReadOnlyList<string>? Environment = null,
    bool AgentRun = false,
    string? Network = null,
    string? Command = null);
