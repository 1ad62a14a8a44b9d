namespace Codeur.Runner.Queue;

/// <summary>
/// Where a task's output lives when it went to object storage (<c>storage.s3</c>) instead of the store: the object's
/// key under the configured bucket, its size in bytes (UTF-8) and the hex SHA-256 of those bytes.
/// </summary>
public sealed record TaskOutputObject(string Key, long Size, string Sha256);
