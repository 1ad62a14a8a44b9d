namespace Codeur.Runner.Tasks;

/// <summary>What a cancel request found: nothing the caller may see (404), a task that already ended (409), or a stop requested (202).</summary>
internal enum CancelStatus
{
    NotFound,
    AlreadyEnded,
    Requested,
}
