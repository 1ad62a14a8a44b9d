namespace Codeur.Configuration;

/// <summary><c>storage</c>: where large task outputs live. Absent: every output stays in the queue store (capped).</summary>
public sealed class StorageSection
{
    /// <summary>An S3-compatible bucket for outputs above <see cref="S3StorageSection.Threshold"/>.</summary>
    public S3StorageSection? S3 { get; set; }
}
