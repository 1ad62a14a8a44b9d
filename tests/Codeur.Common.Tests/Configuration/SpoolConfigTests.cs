using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class SpoolConfigTests
{
    [Fact]
    public void Load_NoSpoolKey_SpoolOff()
    {
        Assert.Null(AgentConfigLoader.Load("", _ => null).Webhook.Spool);
    }

    [Fact]
    public void Load_Spool_ReadFromSnakeCaseWithDefaults()
    {
        var spool = AgentConfigLoader.Load("webhook:\n  spool: {backend: redis, connection: \"r:6379\", max_entries: 50}\n", _ => null).Webhook.Spool!;

        Assert.Equal("redis", spool.Backend);
        Assert.Equal("r:6379", spool.Connection);
        Assert.Equal(50, spool.MaxEntries);
        Assert.Equal("256m", spool.MaxBytes);
        Assert.Equal("codeur:spool", spool.Prefix);
    }

    [Theory]
    [InlineData("{backend: disk}", "webhook.spool.backend")]
    [InlineData("{backend: file, path: \"\"}", "webhook.spool.path")]
    [InlineData("{backend: redis}", "webhook.spool.connection")]
    [InlineData("{max_entries: 0}", "webhook.spool.max_entries")]
    [InlineData("{max_bytes: lots}", "webhook.spool.max_bytes")]
    [InlineData("{max_bytes: 10}", "webhook.spool.max_bytes")]
    [InlineData("{fsync: false}", "webhook.spool.fsync")]
    public void Load_InvalidSpool_FailsNamingTheKey(string value, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  spool: {value}\n", _ => null));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
