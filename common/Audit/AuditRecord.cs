namespace Codeur.Audit;

/// <summary>
/// One audit event. The contract's fields (<c>event, platform, user, task, project, task_id, duration_ms</c>)
/// plus the request facts a security team asks for. Never put a secret in any field.
/// </summary>
public sealed record AuditRecord(string Event)
{
    public string Level { get; init; } = "info";
    public string? Platform { get; init; }
    public string? User { get; init; }
    public string? Task { get; init; }
    public string? Project { get; init; }
    public string? TaskId { get; init; }
    public double? DurationMs { get; init; }
    public int? Status { get; init; }
    public string? Reason { get; init; }
    public string? RemoteAddress { get; init; }
    public string? Method { get; init; }
    public string? Path { get; init; }
    /// <summary>W3C trace id (32 hex digits) of the span that was current when the record was written; filled by <see cref="AuditLog.Write"/>.</summary>
    public string? TraceId { get; init; }
    public string? SpoolId { get; init; }

    /// <summary>W3C span id (16 hex digits), as <see cref="TraceId"/>.</summary>
    public string? SpanId { get; init; }
}
