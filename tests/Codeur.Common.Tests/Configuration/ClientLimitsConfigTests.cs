using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class ClientLimitsConfigTests
{
    [Fact]
    public void Load_EmptyDocument_GivesKestrelStyleDefaults()
    {
        var limits = AgentConfigLoader.Load("", _ => null).Webhook.ClientLimits;

        Assert.Equal(10, limits.HeaderTimeout);
        Assert.Equal(240, limits.MinBodyRate);
        Assert.Equal(5, limits.BodyRateGrace);
        Assert.Equal(120, limits.KeepAliveTimeout);
        Assert.Equal(0, limits.MaxConnections);
    }

    [Fact]
    public void Load_ClientLimits_ReadFromSnakeCase()
    {
        const string yaml = """
            webhook:
              client_limits: {header_timeout: 3, min_body_rate: 1000, body_rate_grace: 2, keep_alive_timeout: 30, max_connections: 5000}
            """;

        var limits = AgentConfigLoader.Load(yaml, _ => null).Webhook.ClientLimits;

        Assert.Equal(3, limits.HeaderTimeout);
        Assert.Equal(1000, limits.MinBodyRate);
        Assert.Equal(2, limits.BodyRateGrace);
        Assert.Equal(30, limits.KeepAliveTimeout);
        Assert.Equal(5000, limits.MaxConnections);
    }

    [Theory]
    [InlineData("header_timeout: 0", "webhook.client_limits.header_timeout")]
    [InlineData("min_body_rate: -1", "webhook.client_limits.min_body_rate")]
    [InlineData("body_rate_grace: 0", "webhook.client_limits.body_rate_grace")]
    [InlineData("keep_alive_timeout: 0", "webhook.client_limits.keep_alive_timeout")]
    [InlineData("max_connections: -2", "webhook.client_limits.max_connections")]
    [InlineData("slow_loris: 1", "webhook.client_limits.slow_loris")]
    public void Load_InvalidClientLimit_FailsNamingTheKey(string line, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  client_limits:\n    {line}\n", _ => null));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
