namespace Codeur.Runner.Tasks;

/// <summary>
/// In a task's JSON, an output kept in object storage: its size in bytes, SHA-256, where the whole of it is served
/// (<c>GET /api/tasks/{id}/output</c>, through the runner), and why its tail is missing when the store failed.
/// </summary>
internal sealed record OutputObjectView(long Size, string Sha256, string Url, string? Error);
