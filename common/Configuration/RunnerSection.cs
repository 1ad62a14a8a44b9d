namespace Codeur.Configuration;

/// <summary>Where the gateway forwards to, and the credential the runner requires of it.</summary>
public sealed class RunnerSection
{
    public string Url { get; set; } = "http://127.0.0.1:8081";
    public string? InternalToken { get; set; }

    /// <summary>Seconds running tasks may finish after a stop signal before they are killed and marked interrupted.</summary>
    public int ShutdownGrace { get; set; } = 30;

    /// <summary>Names this runner on container labels and claimed tasks; defaults to the host name.</summary>
    public string? InstanceId { get; set; }
}
