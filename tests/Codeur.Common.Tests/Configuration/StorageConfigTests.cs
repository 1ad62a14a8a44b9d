using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class StorageConfigTests
{
    [Fact]
    public void Load_NoStorage_OutputsStayInline()
    {
        Assert.Null(AgentConfigLoader.Load("webhook:\n  port: 8080\n", _ => null).Webhook.Storage.S3);
    }

    [Fact]
    public void Load_S3SpelledOut_ParsedWithDefaults()
    {
        const string yaml = "webhook:\n  storage:\n    s3: {endpoint: \"http://minio:9000\", bucket: codeur-outputs, path_style: true}\n";

        var s3 = AgentConfigLoader.Load(yaml, _ => null).Webhook.Storage.S3!;

        Assert.Equal("http://minio:9000", s3.Endpoint);
        Assert.Equal("codeur-outputs", s3.Bucket);
        Assert.True(s3.PathStyle);
        Assert.Equal("codeur/outputs/", s3.Prefix);
        Assert.Equal("us-east-1", s3.Region);
        Assert.Equal(256 * 1024, ByteSize.Parse(s3.Threshold));
        Assert.Equal(30, s3.Timeout);
        Assert.Equal("when_supported", s3.Checksums);
    }

    [Theory]
    [InlineData("{bucket: B}", "webhook.storage.s3.bucket (line 3): must be a bucket name")]
    [InlineData("{bucket: ab}", "webhook.storage.s3.bucket (line 3)")]
    [InlineData("{bucket: ok-bucket, endpoint: \"minio:9000\"}", "webhook.storage.s3.endpoint (line 3): must be an absolute http(s) URL")]
    [InlineData("{bucket: ok-bucket, endpoint: \"http://key:secret@minio:9000\"}", "webhook.storage.s3.endpoint (line 3): must be an absolute http(s) URL without credentials")]
    [InlineData("{bucket: ok-bucket, prefix: \"/abs/\"}", "webhook.storage.s3.prefix (line 3)")]
    [InlineData("{bucket: ok-bucket, threshold: 10}", "webhook.storage.s3.threshold (line 3): must be a size of at least 1k")]
    [InlineData("{bucket: ok-bucket, timeout: 0}", "webhook.storage.s3.timeout (line 3)")]
    [InlineData("{bucket: ok-bucket, checksums: never}", "webhook.storage.s3.checksums (line 3)")]
    [InlineData("{bucket: ok-bucket, region: \"US East\"}", "webhook.storage.s3.region (line 3)")]
    public void Load_InvalidS3_FailsNamingKeyAndLine(string s3, string expected)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  storage:\n    s3: {s3}\n", _ => null));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("secret_access_key")]
    [InlineData("access_key_id")]
    [InlineData("session_token")]
    public void Load_CredentialsInTheFile_RefusedWithoutEchoingThem(string key)
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

        var error = Assert.Throws<AgentConfigException>(() =>
            AgentConfigLoader.Load($"webhook:\n  storage:\n    s3:\n      bucket: ok-bucket\n      {key}: \"{secret}\"\n", _ => null));

        Assert.Contains($"unknown key '{key}'", error.Message);
        Assert.DoesNotContain(secret, error.Message);
    }
}
