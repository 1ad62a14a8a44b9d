namespace Codeur.Configuration;

/// <summary>Maximum request body sizes per route family (<c>512k</c>, <c>1m</c>, <c>25m</c> or bytes).</summary>
public sealed class BodyLimitsSection
{
    public const long GitHubCeiling = 25L * 1024 * 1024;

    public string Default { get; set; } = "1m";
    public string? Github { get; set; }
    public string? Slack { get; set; }
    public string? Discord { get; set; }
    public string? Api { get; set; }
}
