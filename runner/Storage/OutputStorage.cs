using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Storage;

/// <summary>
/// Large outputs in object storage: the worker offloads an ending's output above <c>storage.s3.threshold</c> before
/// recording it (the store then keeps a <see cref="TaskOutputObject"/> instead of the text), the task API and replies
/// read it back, retention deletes what it pruned. Without <c>storage.s3</c> every call leaves things as they are.
/// An upload that fails keeps the output inline (as bounded as without storage), with a warning and a metric: a task's
/// ending is never lost to the bucket.
/// </summary>
internal sealed partial class OutputStorage
{
    /// <summary>
    /// Objects are kept a little past the cutoff that pruned their task's output: an object is written just before its
    /// task's ending is recorded, so its time is slightly earlier than the task's end.
    /// </summary>
    public static readonly TimeSpan DeletionSlack = TimeSpan.FromMinutes(1);

    private const string KeyTimeFormat = "yyyy'/'MM'/'dd'/'HHmmssfff";
    private const int KeyTimeFormatLength = 20;
    private const string Missing = "the output's object is missing from the bucket";
    private const string Unavailable = "the output's object could not be read from the bucket just now";

    private readonly IOutputStore? _store;
    private readonly string _prefix;
    private readonly long _threshold;
    private readonly RunnerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<OutputStorage> _logger;

    public OutputStorage(IOutputStore? store, S3StorageSection? options, RunnerMetrics metrics, TimeProvider time, ILogger<OutputStorage> logger)
    {
        _store = store;
        _prefix = options?.Prefix ?? "";
        _threshold = options is null ? long.MaxValue : ByteSize.Parse(options.Threshold);
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public bool Enabled => _store is not null;

    /// <summary>
    /// The outcome to record: unchanged when storage is off, the output small or the upload failed; otherwise without
    /// its text and with the object's reference.
    /// </summary>
    public async Task<TaskOutcome> OffloadAsync(string taskId, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (_store is null || outcome.Output is not { } text || Encoding.UTF8.GetByteCount(text) <= _threshold)
        {
            return outcome;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = KeyFor(taskId, _time.GetUtcNow());
        try
        {
            await _store.PutAsync(key, bytes, sha256, cancellationToken);
        }
        catch (OutputStoreException ex)
        {
            _metrics.OutputObject("upload_failed");
            Log.UploadFailed(_logger, taskId, bytes.Length, ex.Message);
            return outcome;
        }

        _metrics.OutputObject("stored");
        Log.Stored(_logger, taskId, key, bytes.Length);
        return outcome with { Output = null, OutputObject = new TaskOutputObject(key, bytes.Length, sha256) };
    }

    /// <summary>
    /// The last <paramref name="maxBytes"/> bytes of a stored output as text (a character cut by the range is
    /// dropped). Never throws for the store: a failure comes back as <see cref="OutputTail.Error"/>.
    /// </summary>
    public async Task<OutputTail> ReadTailAsync(TaskOutputObject output, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var from = Math.Max(0, output.Size - maxBytes);
        using var buffer = new MemoryStream();
        try
        {
            await using var stream = await OpenAsync(output, from, cancellationToken);
            await stream.CopyToAsync(buffer, cancellationToken);
        }
        catch (OutputStoreException ex)
        {
            return new OutputTail(null, true, PublicReason(ex));
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // The connection broke while the body streamed.
            _metrics.OutputObject("read_failed");
            Log.ReadFailed(_logger, output.Key, ex.Message);
            return new OutputTail(null, true, Unavailable);
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var skip = 0;
        while (from > 0 && skip < bytes.Length && skip < 3 && (bytes[skip] & 0xC0) == 0x80)
        {
            skip++;
        }

        return new OutputTail(Encoding.UTF8.GetString(bytes[skip..]), from > 0, null);
    }

    /// <summary>What a caller of the task API is told when an output cannot be read (the details, bucket and key, are logged).</summary>
    public static string PublicReason(OutputStoreException ex) => ex.Missing ? Missing : Unavailable;

    /// <summary>The stored output from byte <paramref name="from"/>; <see cref="OutputStoreException"/> when it cannot be read.</summary>
    public async Task<Stream> OpenAsync(TaskOutputObject output, long from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_store is null)
        {
            throw new OutputStoreException("the output is in object storage, but storage.s3 is not configured on this runner");
        }

        try
        {
            return await _store.OpenAsync(output.Key, from, cancellationToken);
        }
        catch (OutputStoreException ex)
        {
            _metrics.OutputObject(ex.Missing ? "missing" : "read_failed");
            Log.ReadFailed(_logger, output.Key, ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Deletes the objects written before <paramref name="cutoff"/> less <see cref="DeletionSlack"/>. Keys sort by the
    /// time they were written (<see cref="KeyFor"/>), so the listing stops at the first newer one: a pass costs what it
    /// deletes plus one page. Keys under the prefix that are not ours are left alone.
    /// </summary>
    public async Task<int> DeleteWrittenBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return 0;
        }

        var before = cutoff - DeletionSlack;
        var deleted = 0;
        var batch = new List<string>(1000);
        await foreach (var key in _store.ListAsync(null, cancellationToken))
        {
            if (WrittenAt(key) is not { } written)
            {
                continue;
            }

            if (written >= before)
            {
                break;
            }

            batch.Add(key);
            if (batch.Count == 1000)
            {
                await _store.DeleteAsync(batch, cancellationToken);
                deleted += batch.Count;
                batch.Clear();
            }
        }

        await _store.DeleteAsync(batch, cancellationToken);
        deleted += batch.Count;
        if (deleted > 0)
        {
            _metrics.OutputObject("deleted", deleted);
        }

        return deleted;
    }

    /// <summary><c>{prefix}yyyy/MM/dd/HHmmssfff-{task id}.log</c>: browsable by day, and in key order by time written.</summary>
    public string KeyFor(string taskId, DateTimeOffset writtenAt) =>
        _prefix + writtenAt.UtcDateTime.ToString(KeyTimeFormat, CultureInfo.InvariantCulture) + "-" + taskId + ".log";

    private DateTimeOffset? WrittenAt(string key)
    {
        if (!key.StartsWith(_prefix, StringComparison.Ordinal) || key.Length < _prefix.Length + KeyTimeFormatLength)
        {
            return null;
        }

        return DateTime.TryParseExact(key.AsSpan(_prefix.Length, KeyTimeFormatLength), KeyTimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? new DateTimeOffset(at, TimeSpan.Zero)
            : null;
    }

    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Information, "Task {TaskId}: output of {Bytes} bytes stored as object {Key}")]
        public static partial void Stored(ILogger logger, string taskId, string key, long bytes);

        [LoggerMessage(1201, LogLevel.Warning, "Task {TaskId}: output of {Bytes} bytes kept in the queue store, the upload failed: {Reason}")]
        public static partial void UploadFailed(ILogger logger, string taskId, long bytes, string reason);

        [LoggerMessage(1202, LogLevel.Warning, "Output object {Key} could not be read: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string key, string reason);
    }
}
