using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Storage;
using Codeur.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Codeur.Runner.Tests.Storage;

/// <summary><see cref="OutputStorage"/> and <see cref="S3OutputStore"/> against a real S3-compatible server (s3rver).</summary>
public sealed class OutputStorageTests(S3Server s3) : IClassFixture<S3Server>, IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Theory(Timeout = 60_000)]
    [InlineData("when_required")]
    [InlineData("when_supported")]
    public async Task OffloadAsync_OutputAboveThreshold_ObjectHoldsTheExactBytesAndTheStoreOnlyTheReference(string checksums)
    {
        s3.RequireAvailable();
        using var stored = new MetricCollector<long>(Meters, RunnerMetrics.MeterName, "output_objects");
        var storage = S3TestKit.Storage(S3TestKit.Options(s3, checksums: checksums), Meters, TimeProvider.System);
        var text = S3TestKit.LargeText(100_000);
        var expected = Encoding.UTF8.GetBytes(text);

        var outcome = await storage.OffloadAsync("t-large", new TaskOutcome(TaskState.Succeeded, 0, text, null), TestContext.Current.CancellationToken);

        Assert.Null(outcome.Output);
        var reference = Assert.IsType<TaskOutputObject>(outcome.OutputObject);
        Assert.Equal(expected.Length, reference.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), reference.Sha256);
        Assert.EndsWith("-t-large.log", reference.Key, StringComparison.Ordinal);
        using var client = s3.CreateClient();
        Assert.Equal(expected, await S3TestKit.ReadObjectAsync(client, reference.Key, TestContext.Current.CancellationToken));
        Assert.Equal("stored", Assert.Single(stored.GetMeasurementSnapshot()).Tags["result"]);
    }

    /// <summary>
    /// Why <see cref="S3OutputStore"/> turns aws-chunked uploads off: with the SDK's defaults over http, this server
    /// keeps the chunk framing as the object's content. The exact-bytes test above fails the same way without it.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task SdkDefaults_AgainstThisServer_StoreTheChunkFramingAsContent()
    {
        s3.RequireAvailable();
        using var client = new Amazon.S3.AmazonS3Client(
            new Amazon.Runtime.BasicAWSCredentials(S3Server.AccessKeyId, S3Server.SecretAccessKey),
            new Amazon.S3.AmazonS3Config { ServiceURL = s3.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var key = "defaults-" + Guid.NewGuid().ToString("N");

        await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = S3Server.Bucket, Key = key, InputStream = new MemoryStream("hello world"u8.ToArray()),
        }, TestContext.Current.CancellationToken);

        var stored = Encoding.ASCII.GetString(await S3TestKit.ReadObjectAsync(client, key, TestContext.Current.CancellationToken));
        Assert.NotEqual("hello world", stored);
        Assert.Contains(";chunk-signature=", stored, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task OffloadAsync_OutputAtOrBelowThreshold_StaysInlineAndNothingIsWritten()
    {
        s3.RequireAvailable();
        var options = S3TestKit.Options(s3, threshold: "4k");
        var storage = S3TestKit.Storage(options, Meters, TimeProvider.System);
        var text = new string('x', 4096);

        var outcome = await storage.OffloadAsync("t-small", new TaskOutcome(TaskState.Failed, 1, text, "exit 1"), TestContext.Current.CancellationToken);

        Assert.Equal(text, outcome.Output);
        Assert.Null(outcome.OutputObject);
        using var client = s3.CreateClient();
        Assert.Empty(await S3TestKit.KeysAsync(client, options.Prefix, TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 60_000)]
    public async Task OffloadAsync_BucketUnreachable_KeepsTheOutputInlineAndCountsTheFailure()
    {
        s3.RequireAvailable();
        using var results = new MetricCollector<long>(Meters, RunnerMetrics.MeterName, "output_objects");
        var storage = S3TestKit.Storage(S3TestKit.Options(s3, endpoint: S3TestKit.ClosedEndpoint()), Meters, TimeProvider.System);
        var original = new TaskOutcome(TaskState.Succeeded, 0, S3TestKit.LargeText(50_000), null);

        var outcome = await storage.OffloadAsync("t-down", original, TestContext.Current.CancellationToken);

        Assert.Same(original, outcome);
        Assert.Equal("upload_failed", Assert.Single(results.GetMeasurementSnapshot()).Tags["result"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task OffloadAsync_BucketDoesNotExist_KeepsTheOutputInline()
    {
        s3.RequireAvailable();
        var storage = S3TestKit.Storage(S3TestKit.Options(s3, bucket: "no-such-bucket"), Meters, TimeProvider.System);
        var original = new TaskOutcome(TaskState.Succeeded, 0, S3TestKit.LargeText(50_000), null);

        Assert.Same(original, await storage.OffloadAsync("t-nobucket", original, TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadTailAsync_LargeObject_ReturnsItsEndWithoutACutCharacter()
    {
        s3.RequireAvailable();
        var storage = S3TestKit.Storage(S3TestKit.Options(s3), Meters, TimeProvider.System);
        var text = S3TestKit.LargeText(100_000);
        var reference = (await storage.OffloadAsync("t-tail", new TaskOutcome(TaskState.Succeeded, 0, text, null), TestContext.Current.CancellationToken)).OutputObject!;

        // 1001 bytes from the end lands inside a multi-byte character for this text; the partial one is dropped.
        var tail = await storage.ReadTailAsync(reference, 1001, TestContext.Current.CancellationToken);

        Assert.Null(tail.Error);
        Assert.True(tail.Truncated);
        Assert.EndsWith(tail.Text!, text, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(tail.Text!), 998, 1001);
        Assert.DoesNotContain('\uFFFD', tail.Text!);
        var whole = await storage.ReadTailAsync(reference, 1 << 20, TestContext.Current.CancellationToken);
        Assert.Equal(text, whole.Text);
        Assert.False(whole.Truncated);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadTailAsync_ObjectDeletedBehindOurBack_SaysItIsMissing()
    {
        s3.RequireAvailable();
        using var results = new MetricCollector<long>(Meters, RunnerMetrics.MeterName, "output_objects");
        var storage = S3TestKit.Storage(S3TestKit.Options(s3), Meters, TimeProvider.System);
        var reference = (await storage.OffloadAsync("t-gone", new TaskOutcome(TaskState.Succeeded, 0, S3TestKit.LargeText(20_000), null), TestContext.Current.CancellationToken)).OutputObject!;
        using var client = s3.CreateClient();
        await client.DeleteObjectAsync(S3Server.Bucket, reference.Key, TestContext.Current.CancellationToken);

        var tail = await storage.ReadTailAsync(reference, 4096, TestContext.Current.CancellationToken);

        Assert.Null(tail.Text);
        Assert.Equal("the output's object is missing from the bucket", tail.Error);
        Assert.Contains(results.GetMeasurementSnapshot(), m => m.Tags["result"] is "missing");
        var ex = await Assert.ThrowsAsync<OutputStoreException>(() => storage.OpenAsync(reference, 0, TestContext.Current.CancellationToken));
        Assert.True(ex.Missing);
    }
}
