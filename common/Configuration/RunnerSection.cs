namespace Codeur.Configuration;

/// <summary>Where the gateway forwards to, and the credential the runner requires of it.</summary>
public sealed class RunnerSection
{
    public string Url { get; set; } = "http://127.0.0.1:8081";
    public string? InternalToken { get; set; }
}
