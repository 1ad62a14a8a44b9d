namespace Codeur.Runner.Sandbox;

/// <summary>One task to run: which project (not yet trusted: the guard checks it), which argv, how long.</summary>
/// <param name="OnOutput">
/// Live output, chunk by chunk as it arrives (for followable logs). The memory is only valid during the call.
/// </param>
internal sealed record SandboxRequest(
    string TaskId,
    string ProjectPath,
    IReadOnlyList<string> Argv,
    TimeSpan? Timeout = null,
    Func<OutputStreamKind, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? OnOutput = null);
