namespace Codeur.Configuration;

/// <summary>PEM certificate chain and private key for the gateway's HTTPS endpoint.</summary>
public sealed class TlsSection
{
    public string Certificate { get; set; } = "";
    public string Key { get; set; } = "";
}
