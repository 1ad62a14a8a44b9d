namespace Codeur.Configuration;

/// <summary>
/// <c>client_limits:</c> how long and how slowly the gateway lets a client hold a connection (Kestrel's limits), so
/// slow or idle clients cannot tie up the gateway at the expense of well-behaved ones.
/// </summary>
public sealed class ClientLimitsSection
{
    /// <summary>Seconds a client has to send a request's headers (slow-header attacks end here).</summary>
    public int HeaderTimeout { get; set; } = 10;

    /// <summary>Bytes per second a request body must keep up after <see cref="BodyRateGrace"/>; 0 turns the check off.</summary>
    public int MinBodyRate { get; set; } = 240;

    /// <summary>Seconds before <see cref="MinBodyRate"/> applies to a body.</summary>
    public int BodyRateGrace { get; set; } = 5;

    /// <summary>Seconds an idle keep-alive connection stays open.</summary>
    public int KeepAliveTimeout { get; set; } = 120;

    /// <summary>Connections open at once; 0 means no limit (the per-address rate limit still applies to requests).</summary>
    public int MaxConnections { get; set; }
}
