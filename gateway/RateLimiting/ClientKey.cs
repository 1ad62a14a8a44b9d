using System.Net;
using System.Net.Sockets;

namespace Codeur.Gateway.RateLimiting;

internal static class ClientKey
{
    /// <summary>
    /// The partition key for a client address: the IPv4 address, or the IPv6 /64 (one subscriber's usual
    /// allocation), so that one host cannot mint unbounded partitions by rotating its interface identifier.
    /// </summary>
    public static string For(IPAddress? address)
    {
        if (address is null)
        {
            return "address:unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return "address:" + new IPAddress(bytes) + "/64";
        }

        return "address:" + address;
    }
}
