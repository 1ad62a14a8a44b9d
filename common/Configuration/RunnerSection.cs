namespace Codeur.Configuration;

/// <summary>Where the gateway forwards to, and the credential the runner requires of it.</summary>
public sealed class RunnerSection
{
    public string Url { get; set; } = "http://127.0.0.1:8081";
    public string? InternalToken { get; set; }

    /// <summary>Seconds running tasks may finish after a stop signal before they are killed and marked interrupted.</summary>
    public int ShutdownGrace { get; set; } = 30;

    /// <summary>
    /// Seconds between keep-alive comments on <c>/api/tasks/{id}/logs</c> while a task is queued or prints nothing (agents
    /// such as <c>claude -p</c> are silent until the end), so no proxy's idle timeout cuts the stream (the gateway's is 60 s).
    /// </summary>
    public double LogHeartbeat { get; set; } = 15;

    /// <summary>Names this runner on container labels and claimed tasks; defaults to the host name.</summary>
    public string? InstanceId { get; set; }
}
