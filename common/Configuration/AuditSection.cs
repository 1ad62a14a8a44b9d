namespace Codeur.Configuration;

/// <summary>Where the JSON-lines audit trail goes: a file path, or standard output when empty.</summary>
public sealed class AuditSection
{
    public string? Path { get; set; }
}
