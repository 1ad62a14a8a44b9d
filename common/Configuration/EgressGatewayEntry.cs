namespace Codeur.Configuration;

/// <summary>
/// <c>sandbox.egress_private_gateways[]</c>: a model gateway on a private address (an internal LiteLLM or vLLM) that
/// <c>network: egress</c> may reach. Admitted only when the requested host name, the address it resolves to and the
/// port all match the entry together; neither the name alone nor the address alone opens anything.
/// </summary>
public sealed class EgressGatewayEntry
{
    /// <summary>The exact host name (no leading dot: no subdomains).</summary>
    public string Host { get; set; } = "";

    /// <summary>The address ranges the name must resolve into (IPv4 /8 or narrower, IPv6 /32 or narrower).</summary>
    public List<string> Cidrs { get; set; } = [];

    /// <summary>The ports it serves on.</summary>
    public List<int> Ports { get; set; } = [80, 443];
}
