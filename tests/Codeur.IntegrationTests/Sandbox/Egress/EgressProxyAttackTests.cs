namespace Codeur.IntegrationTests.Sandbox.Egress;

/// <summary>
/// Side doors through the egress proxy, tried against the real squid in the real image
/// (<see cref="EgressLab.Image"/>). Each attack first succeeds against an unprotected configuration — the generator
/// before issue 13, or squid with a by-name allowlist and nothing else — so each test would catch the regression it
/// names, then is refused by <c>deploy/egress-proxy</c> as shipped. Destinations are real HTTP servers on this host,
/// reached through lab networks of our own; the proxy's <c>/etc/hosts</c> stands in for DNS (squid resolves and
/// reverse-resolves through it).
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class EgressProxyAttackTests(DockerFixture docker, EgressLab lab) : IClassFixture<EgressLab>
{
    private const string AllowedName = "allowed.test";

    /// <summary>
    /// The attacker owns the public address and publishes its PTR record as the allowed name (here: the hosts file,
    /// which squid also reverse-resolves through). Every spelling of the address squid accepts as an IP literal.
    /// </summary>
    private IEnumerable<string> SpellingsOfThePublicAddress()
    {
        var b = lab.PublicAddress.GetAddressBytes();
        var value = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        yield return lab.PublicAddress.ToString();
        yield return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return $"0x{value:x8}";
        yield return $"0x{b[0]:x}.0x{b[1]:x}.0x{b[2]:x}.0x{b[3]:x}";
        yield return $"0{Convert.ToString(b[0], 8)}.0{Convert.ToString(b[1], 8)}.0{Convert.ToString(b[2], 8)}.0{Convert.ToString(b[3], 8)}";
        yield return $"{b[0]}.{b[1]}.{b[2] << 8 | b[3]}";
        yield return $"[::ffff:{lab.PublicAddress}]";
        yield return $"[::ffff:{b[0] << 8 | b[1]:x}:{b[2] << 8 | b[3]:x}]";
    }

    [Fact]
    public async Task IpLiteral_EverySpellingWhosePtrIsAnAllowedName_RefusedForConnectAndPlainHttp()
    {
        docker.RequireDocker();
        lab.Require();
        var hosts = new Dictionary<string, string> { [AllowedName] = lab.PublicAddress.ToString() };
        var legacy = await lab.StartProxyAsync(EgressLab.Config.Legacy, [AllowedName], hosts);
        var current = await lab.StartProxyAsync(EgressLab.Config.Current, [AllowedName], hosts);

        foreach (var literal in SpellingsOfThePublicAddress())
        {
            foreach (var (port, request) in new (int, Func<System.Net.IPAddress, string, Task<ProxyClient.Answer>>)[]
                { (443, ProxyClient.ConnectAsync), (80, ProxyClient.GetAsync), (443, ProxyClient.GetAsync) })
            {
                var authority = $"{literal}:{port}";
                // Squid reverse-resolves the literal for dstdomain without -n; the first answer may still be in flight
                // (denied), so the baseline is polled, with a deadline, until the attack goes through.
                var before = await request(legacy, authority);
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
                while (!before.Body.Contains(EgressLab.PublicMarker, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                    before = await request(legacy, authority);
                }

                if (!before.Body.Contains(EgressLab.PublicMarker, StringComparison.Ordinal))
                {
                    Assert.Fail($"legacy proxy, {authority}: the attack should work there: {before}\n{await lab.LogsAsync(legacy)}");
                }

                var after = await request(current, authority);
                Assert.True(after.Refused, $"{authority}: {after}");
                Assert.DoesNotContain(EgressLab.PublicMarker, after.Body, StringComparison.Ordinal);
            }
        }

        // The allowed name itself still works, so the refusals above are about the literal, not the destination.
        Assert.Contains(EgressLab.PublicMarker, (await ProxyClient.ConnectAsync(current, AllowedName + ":443")).Body, StringComparison.Ordinal);
        Assert.Contains(EgressLab.PublicMarker, (await ProxyClient.GetAsync(current, AllowedName)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedName_ResolvingToAPrivateAddress_Refused()
    {
        docker.RequireDocker();
        lab.Require();
        var hosts = new Dictionary<string, string> { ["internal.test"] = lab.PrivateAddress.ToString() };
        var unprotected = await lab.StartProxyAsync(EgressLab.Config.AllowlistOnly, ["internal.test"], hosts);
        var current = await lab.StartProxyAsync(EgressLab.Config.Current, ["internal.test"], hosts);

        Assert.Contains(EgressLab.PrivateMarker, (await ProxyClient.ConnectAsync(unprotected, "internal.test:443")).Body, StringComparison.Ordinal);
        Assert.Contains(EgressLab.PrivateMarker, (await ProxyClient.GetAsync(unprotected, "internal.test:443")).Body, StringComparison.Ordinal);

        var connect = await ProxyClient.ConnectAsync(current, "internal.test:443");
        var get = await ProxyClient.GetAsync(current, "internal.test:443");
        Assert.True(connect.Refused, connect.ToString());
        Assert.True(get.Refused, get.ToString());
    }

    [Fact]
    public async Task AllowedName_WithAnIpv4MappedIpv6Address_Refused()
    {
        docker.RequireDocker();
        lab.Require();
        var mapped = "::ffff:" + lab.PrivateAddress;
        var hosts = new Dictionary<string, string> { ["mapped.test"] = mapped };
        var unprotected = await lab.StartProxyAsync(EgressLab.Config.AllowlistOnly, ["mapped.test"], hosts);
        var current = await lab.StartProxyAsync(EgressLab.Config.Current, ["mapped.test"], hosts);

        Assert.Contains(EgressLab.PrivateMarker, (await ProxyClient.ConnectAsync(unprotected, "mapped.test:443")).Body, StringComparison.Ordinal);

        foreach (var authority in new[] { "mapped.test:443", $"[{mapped}]:443" })
        {
            var connect = await ProxyClient.ConnectAsync(current, authority);
            var get = await ProxyClient.GetAsync(current, authority);
            Assert.True(connect.Refused, $"{authority}: {connect}");
            Assert.True(get.Refused, $"{authority}: {get}");
        }
    }

    /// <summary>
    /// 64:ff9b::/96 embeds an IPv4 address that a NAT64 gateway on the path would reach. No NAT64 gateway exists
    /// here, so "works" is shown by squid's own word: the old configuration lets the request past its rules and
    /// squid tries to connect (<c>ERR_CONNECT_FAIL</c>); the current one refuses it (<c>ERR_ACCESS_DENIED</c>).
    /// </summary>
    [Fact]
    public async Task AllowedName_WithANat64FormOfAPrivateAddress_Refused()
    {
        docker.RequireDocker();
        lab.Require();
        var b = lab.PrivateAddress.GetAddressBytes();
        var nat64 = $"64:ff9b::{b[0] << 8 | b[1]:x}:{b[2] << 8 | b[3]:x}";
        var hosts = new Dictionary<string, string> { ["nat64.test"] = nat64 };
        var legacy = await lab.StartProxyAsync(EgressLab.Config.Legacy, ["nat64.test"], hosts);
        var current = await lab.StartProxyAsync(EgressLab.Config.Current, ["nat64.test"], hosts);

        foreach (var authority in new[] { "nat64.test:443", $"[{nat64}]:443" })
        {
            var before = await ProxyClient.ConnectAsync(legacy, authority);
            Assert.True(before.SquidError?.StartsWith("ERR_CONNECT_FAIL", StringComparison.Ordinal) == true, $"legacy proxy, {authority}: should pass its rules: {before}");

            var connect = await ProxyClient.ConnectAsync(current, authority);
            var get = await ProxyClient.GetAsync(current, authority);
            Assert.True(connect.Refused, $"{authority}: {connect}");
            Assert.True(get.Refused, $"{authority}: {get}");
        }
    }

    [Fact]
    public async Task PrivateGateway_NameRangeAndPortTogether_Reached_AnyOneMissing_Refused()
    {
        docker.RequireDocker();
        lab.Require();
        var port = lab.GatewayPort;
        var hosts = new Dictionary<string, string>
        {
            ["llm.internal"] = lab.PrivateAddress.ToString(),
            ["wrong-range.internal"] = lab.PrivateAddress.ToString(),
            ["internal.test"] = lab.PrivateAddress.ToString(),
        };
        var gateways = $"llm.internal|{lab.PrivateRange}|{port};wrong-range.internal|192.168.250.0/24|{port}";
        var current = await lab.StartProxyAsync(EgressLab.Config.Current, ["internal.test"], hosts, gateways);

        // Declared by name, range and port: reached, plain and tunnelled.
        Assert.Contains(EgressLab.GatewayMarker, (await ProxyClient.GetAsync(current, $"llm.internal:{port}")).Body, StringComparison.Ordinal);
        Assert.Contains(EgressLab.GatewayMarker, (await ProxyClient.ConnectAsync(current, $"llm.internal:{port}")).Body, StringComparison.Ordinal);

        // The same address by literal, by an allowed name that is not the gateway, by a gateway name declared for
        // another range, and the gateway's name on another port: each refused.
        foreach (var authority in new[] { $"{lab.PrivateAddress}:{port}", $"internal.test:{port}", "internal.test:443", $"wrong-range.internal:{port}", "llm.internal:443" })
        {
            var connect = await ProxyClient.ConnectAsync(current, authority);
            var get = await ProxyClient.GetAsync(current, authority);
            Assert.True(connect.Refused, $"{authority}: {connect}");
            Assert.True(get.Refused, $"{authority}: {get}");
        }
    }
}
