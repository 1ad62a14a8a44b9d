namespace Codeur.Configuration;

/// <summary>
/// <c>storage.s3</c>: task outputs larger than <see cref="Threshold"/> are written to this bucket and the queue store
/// keeps a reference (key, size, SHA-256). Works with AWS S3 and with S3-compatible servers (MinIO, Ceph RGW, Google
/// Cloud Storage's XML API) through <see cref="Endpoint"/> and <see cref="PathStyle"/>. Credentials are deliberately not
/// keys here: the AWS SDK's default chain reads them (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>AWS_SESSION_TOKEN</c>, a profile, web identity or the instance role).
/// </summary>
public sealed class S3StorageSection
{
    /// <summary>Base URL of an S3-compatible server (<c>http://minio:9000</c>); absent: AWS's endpoint for <see cref="Region"/>.</summary>
    public string? Endpoint { get; set; }

    public string Bucket { get; set; } = "";

    /// <summary>Key prefix of every object, so a bucket can be shared; retention only ever touches keys under it.</summary>
    public string Prefix { get; set; } = "codeur/outputs/";

    /// <summary>The signing region (AWS: the bucket's region; most other servers accept <c>us-east-1</c>).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>), which MinIO, Ceph and most local servers need.</summary>
    public bool PathStyle { get; set; }

    /// <summary>Outputs larger than this (UTF-8 bytes) go to the bucket; smaller ones stay inline.</summary>
    public string Threshold { get; set; } = "256k";

    /// <summary>Seconds one bucket call may take (upload, read, delete) before it counts as failed.</summary>
    public int Timeout { get; set; } = 30;

    /// <summary>
    /// <c>when_supported</c> (the SDK's default: a CRC32 checksum with every upload, sent as a trailer of an aws-chunked
    /// body) or <c>when_required</c> (only where the S3 API demands one), for servers that reject checksum trailers.
    /// </summary>
    public string Checksums { get; set; } = "when_supported";

    public static IEnumerable<ConfigError> Validate(S3StorageSection s, string path)
    {
        if (s.Endpoint is not null && (!Uri.TryCreate(s.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(endpoint.UserInfo)))
        {
            yield return new($"{path}.endpoint", "must be an absolute http(s) URL without credentials, such as http://minio:9000");
        }

        // S3's bucket naming rules (3-63 lower-case letters, digits, dots and hyphens), which every compatible server follows.
        if (s.Bucket.Length is < 3 or > 63 || !s.Bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
            || !char.IsAsciiLetterOrDigit(s.Bucket[0]) || !char.IsAsciiLetterOrDigit(s.Bucket[^1]))
        {
            yield return new($"{path}.bucket", "must be a bucket name: 3-63 lower-case letters, digits, dots and hyphens");
        }

        if (s.Prefix.Length > 512 || s.Prefix.StartsWith('/') || s.Prefix.Any(char.IsControl))
        {
            yield return new($"{path}.prefix", "must be a key prefix without a leading '/' or control characters, at most 512 characters");
        }

        if (string.IsNullOrWhiteSpace(s.Region) || !s.Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            yield return new($"{path}.region", "must be a region name such as us-east-1");
        }

        if (!ByteSize.TryParse(s.Threshold, out var threshold) || threshold < 1024)
        {
            yield return new($"{path}.threshold", "must be a size of at least 1k, such as 256k");
        }

        if (s.Timeout is < 1 or > 600)
        {
            yield return new($"{path}.timeout", "must be between 1 and 600 seconds");
        }

        if (s.Checksums is not ("when_supported" or "when_required"))
        {
            yield return new($"{path}.checksums", "must be 'when_supported' or 'when_required'");
        }
    }
}
