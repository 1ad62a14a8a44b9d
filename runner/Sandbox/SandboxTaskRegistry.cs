using System.Collections.Concurrent;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// Task ids whose containers are alive on purpose. A task is registered before its container is created, so the
/// orphan sweep can never mistake a container being set up for a leftover.
/// </summary>
internal sealed class SandboxTaskRegistry
{
    private readonly ConcurrentDictionary<string, byte> _live = new(StringComparer.Ordinal);

    public bool TryAdd(string taskId) => _live.TryAdd(taskId, 0);

    public void Remove(string taskId) => _live.TryRemove(taskId, out _);

    public bool IsLive(string taskId) => _live.ContainsKey(taskId);

    public int Count => _live.Count;
}
