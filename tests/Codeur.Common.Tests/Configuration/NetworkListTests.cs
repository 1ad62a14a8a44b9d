using System.Net;
using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class NetworkListTests
{
    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("192.30.253.1", true)]
    [InlineData("192.30.251.255", false)]
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("127.0.0.1", false)]
    public void Contains_IPv4AndIPv6WithMappedAddresses(string address, bool expected)
    {
        var list = NetworkList.Parse(["10.0.0.0/8", "192.30.252.0/22", "2001:db8::/32"]);

        Assert.Equal(expected, list.Contains(IPAddress.Parse(address)));
    }

    [Fact]
    public void Parse_BareAddressAndMappedNetwork_AreNormalised()
    {
        var list = NetworkList.Parse(["203.0.113.7", "::ffff:198.51.100.0/120"]);

        Assert.True(list.Contains(IPAddress.Parse("203.0.113.7")));
        Assert.False(list.Contains(IPAddress.Parse("203.0.113.8")));
        Assert.True(list.Contains(IPAddress.Parse("198.51.100.99")));
    }
}
