namespace Codeur.Configuration;

/// <summary>
/// <c>webhook.spool</c>: where the gateway keeps verified requests while the runner is away (crash, restart,
/// upgrade), to forward them in arrival order once it answers again. Absent: no spool, a runner that cannot be
/// reached is a 502 as before.
/// </summary>
public sealed class SpoolSection
{
    /// <summary><c>file</c> (one host: a directory of fsync'ed entries) or <c>redis</c> (several gateways share one stream).</summary>
    public string Backend { get; set; } = "file";

    /// <summary>File backend: the spool directory (keep it on a persistent volume).</summary>
    public string Path { get; set; } = "./data/spool";

    /// <summary>Redis backend: a StackExchange.Redis connection string.</summary>
    public string? Connection { get; set; }

    /// <summary>Redis backend: key prefix of the stream and the drain lease.</summary>
    public string Prefix { get; set; } = "codeur:spool";

    /// <summary>Entries held at most; past it a request is answered 503 with Retry-After.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>Bytes of request bodies held at most (<c>k</c>/<c>m</c>/<c>g</c> suffixes).</summary>
    public string MaxBytes { get; set; } = "256m";
}
