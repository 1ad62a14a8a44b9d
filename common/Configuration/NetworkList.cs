using System.Net;
using System.Net.Sockets;

namespace Codeur.Configuration;

/// <summary>An immutable set of IPv4/IPv6 networks; IPv4-mapped IPv6 addresses are matched as IPv4.</summary>
public sealed class NetworkList(IReadOnlyList<IPNetwork> networks)
{
    public IReadOnlyList<IPNetwork> Networks { get; } = networks;

    public static NetworkList Parse(IEnumerable<string> entries) =>
        new([.. entries.Select(e => TryParse(e, out var n) ? n : throw new FormatException($"'{e}' is not an IP address or CIDR network"))]);

    /// <summary>Accepts <c>10.0.0.0/8</c>, <c>2001:db8::/32</c> and a bare address (a /32 or /128).</summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains('/', StringComparison.Ordinal))
        {
            if (!IPNetwork.TryParse(text, out network))
            {
                return false;
            }
        }
        else if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        }
        else
        {
            return false;
        }

        if (network.BaseAddress.IsIPv4MappedToIPv6)
        {
            network = new IPNetwork(network.BaseAddress.MapToIPv4(), Math.Max(0, network.PrefixLength - 96));
        }

        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in Networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
