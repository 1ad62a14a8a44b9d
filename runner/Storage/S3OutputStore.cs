using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Codeur.Configuration;

namespace Codeur.Runner.Storage;

/// <summary>
/// <see cref="IOutputStore"/> on an S3-compatible bucket through the AWS SDK. Credentials come from the SDK's default
/// chain (environment, profile, web identity, instance role), never from the configuration file. A custom endpoint
/// gets what non-AWS servers need: the signing region set explicitly, optional path-style addressing, and plain signed
/// bodies (no aws-chunked framing, which servers such as s3rver store verbatim as the object's content).
/// </summary>
internal sealed class S3OutputStore : IOutputStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public S3OutputStore(S3StorageSection options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bucket = options.Bucket;
        _prefix = options.Prefix;
        _timeout = TimeSpan.FromSeconds(options.Timeout);
        _time = time;
        var checksums = options.Checksums == "when_required" ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            AuthenticationRegion = options.Region,
            Timeout = _timeout,
            MaxErrorRetry = 2,
            RequestChecksumCalculation = checksums,
            ResponseChecksumValidation = options.Checksums == "when_required" ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        _client = new AmazonS3Client(config);
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, string sha256, CancellationToken cancellationToken)
    {
        using var timeout = Deadline(cancellationToken);
        using var body = new MemoryStream(content.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = key,
            InputStream = body,
            ContentType = "text/plain; charset=utf-8",
            UseChunkEncoding = false,
        };
        request.Metadata.Add("sha256", sha256);
        await CallAsync(key, () => _client.PutObjectAsync(request, timeout.Token), cancellationToken);
    }

    public async Task<Stream> OpenAsync(string key, long from, CancellationToken cancellationToken)
    {
        using var timeout = Deadline(cancellationToken);
        var request = new GetObjectRequest { BucketName = _bucket, Key = key };
        if (from > 0)
        {
            request.ByteRange = new ByteRange($"bytes={from}-");
        }

        var response = await CallAsync(key, () => _client.GetObjectAsync(request, timeout.Token), cancellationToken);
        return response.ResponseStream;
    }

    public async IAsyncEnumerable<string> ListAsync(string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, StartAfter = startAfter, MaxKeys = 1000 };
        while (true)
        {
            ListObjectsV2Response page;
            using (var timeout = Deadline(cancellationToken))
            {
                page = await CallAsync(_prefix, () => _client.ListObjectsV2Async(request, timeout.Token), cancellationToken);
            }

            foreach (var entry in page.S3Objects ?? [])
            {
                yield return entry.Key;
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
            request.StartAfter = null;
        }
    }

    public async Task DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        using var timeout = Deadline(cancellationToken);
        var request = new DeleteObjectsRequest { BucketName = _bucket, Quiet = true, Objects = [.. keys.Select(k => new KeyVersion { Key = k })] };
        var response = await CallAsync(_prefix, () => _client.DeleteObjectsAsync(request, timeout.Token), cancellationToken);
        if (response.DeleteErrors is { Count: > 0 } errors)
        {
            throw new OutputStoreException($"the bucket refused to delete {errors.Count} object(s): {errors[0].Code} {errors[0].Message}");
        }
    }

    public void Dispose() => _client.Dispose();

    private CallDeadline Deadline(CancellationToken cancellationToken) => new(_timeout, _time, cancellationToken);

    /// <summary>The caller's token, cancelled also once <c>storage.s3.timeout</c> passes on the injected clock.</summary>
    private sealed class CallDeadline : IDisposable
    {
        private readonly CancellationTokenSource _timer;
        private readonly CancellationTokenSource _linked;

        public CallDeadline(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            _timer = new CancellationTokenSource(timeout, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
        }

        public CancellationToken Token => _linked.Token;

        public void Dispose()
        {
            _linked.Dispose();
            _timer.Dispose();
        }
    }

    /// <summary>Every SDK failure becomes an <see cref="OutputStoreException"/> saying what failed, without request details.</summary>
    private async Task<T> CallAsync<T>(string key, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or "NotFound")
        {
            throw new OutputStoreException($"object '{key}' is not in bucket '{_bucket}'", missing: true, ex);
        }
        catch (AmazonServiceException ex)
        {
            throw new OutputStoreException($"bucket '{_bucket}' answered {(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}", inner: ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or IOException
            || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {_timeout.TotalSeconds:0} s" : ex.Message;
            throw new OutputStoreException($"bucket '{_bucket}' unreachable: {reason}", inner: ex);
        }
    }
}
