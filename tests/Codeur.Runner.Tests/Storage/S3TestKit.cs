using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Storage;
using Codeur.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.Runner.Tests.Storage;

/// <summary>Builds <see cref="OutputStorage"/> on the real S3 server, each test under a prefix of its own.</summary>
internal static class S3TestKit
{
    public static S3StorageSection Options(S3Server s3, string? endpoint = null, string bucket = S3Server.Bucket, string threshold = "4k", string checksums = "when_required") => new()
    {
        Endpoint = endpoint ?? s3.Endpoint.ToString(),
        Bucket = bucket,
        Prefix = "test-" + Guid.NewGuid().ToString("N")[..8] + "/",
        PathStyle = true,
        Threshold = threshold,
        Timeout = 10,
        Checksums = checksums,
    };

    public static OutputStorage Storage(S3StorageSection options, IMeterFactory meters, TimeProvider time) =>
        new(new S3OutputStore(options, time), options, new RunnerMetrics(meters, new AgentConfig()), time, NullLogger<OutputStorage>.Instance);

    /// <summary>A loopback port nothing listens on: connections to it are refused at once.</summary>
    public static string ClosedEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }

    public static async Task<byte[]> ReadObjectAsync(AmazonS3Client client, string key, CancellationToken ct)
    {
        using var response = await client.GetObjectAsync(S3Server.Bucket, key, ct);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    public static async Task<bool> ExistsAsync(AmazonS3Client client, string key, CancellationToken ct)
    {
        try
        {
            await client.GetObjectMetadataAsync(S3Server.Bucket, key, ct);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public static async Task<List<string>> KeysAsync(AmazonS3Client client, string prefix, CancellationToken ct)
    {
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3Server.Bucket, Prefix = prefix }, ct);
        return [.. (page.S3Objects ?? []).Select(o => o.Key)];
    }

    /// <summary>About <paramref name="bytes"/> of text with multi-byte characters, so byte and character counts differ.</summary>
    public static string LargeText(int bytes)
    {
        var builder = new StringBuilder();
        for (var i = 0; builder.Length < bytes / 2; i++)
        {
            builder.Append("line ").Append(i).Append(": café naïve 日本語 — résumé\n");
        }

        return builder.ToString();
    }
}
