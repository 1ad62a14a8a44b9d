using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Codeur.Gateway.Spool;

/// <summary>
/// One file per entry in a directory: written under a temporary name, fsync'ed, renamed, then the directory fsync'ed,
/// so an entry is either absent or whole after a crash, and present once <see cref="AppendAsync"/> returns. Names
/// start with a monotonic tick count, so a directory listing is arrival order. An index in memory keeps counts and
/// order without listing the directory per request; it is rebuilt from the directory at start.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed partial class FileSpoolStore : ISpoolStore
{
    private const string Extension = ".req";
    private const string TempExtension = ".tmp";

    private readonly string _directory;
    private readonly long _maxEntries;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;
    private readonly ILogger<FileSpoolStore> _logger;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, (long Size, DateTimeOffset Arrived)> _index = new(StringComparer.Ordinal);
    private long _bytes;
    private long _reserved;
    private long _reservedBytes;
    private long _lastTicks;

    public FileSpoolStore(string directory, long maxEntries, long maxBytes, TimeProvider time, ILogger<FileSpoolStore> logger)
    {
        _directory = Path.GetFullPath(directory);
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
        _time = time;
        _logger = logger;
        // Verified payloads of other people's chats and repositories: readable by the gateway's user only.
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var temp in Directory.EnumerateFiles(_directory, "*" + TempExtension))
        {
            // Written but never renamed: the client got no 2xx for it, so it is not ours to forward.
            File.Delete(temp);
        }

        foreach (var file in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            var name = Path.GetFileName(file);
            if (TryParseTicks(name, out var ticks))
            {
                _index[name] = (new FileInfo(file).Length, new DateTimeOffset(ticks, TimeSpan.Zero));
                _bytes += new FileInfo(file).Length;
                _lastTicks = Math.Max(_lastTicks, ticks);
            }
        }

        if (_index.Count > 0)
        {
            Log.Recovered(_logger, _index.Count, _directory);
        }
    }

    public bool HasWaiting
    {
        get
        {
            lock (_gate)
            {
                return _index.Count + _reserved > 0;
            }
        }
    }

    public async Task<bool> AppendAsync(SpooledRequest request, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(request, SpoolJsonContext.Default.SpooledRequest);
        lock (_gate)
        {
            if (_index.Count + _reserved >= _maxEntries || _bytes + _reservedBytes + bytes.Length > _maxBytes)
            {
                return false;
            }

            _reserved++;
            _reservedBytes += bytes.Length;
        }

        var name = NextTicks(request.ArrivedAt).ToString("D19", CultureInfo.InvariantCulture) + "-" + request.Id + Extension;
        var path = Path.Combine(_directory, name);
        var temp = path + TempExtension;
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path);
            SyncDirectory(_directory);
        }
        catch
        {
            File.Delete(temp);
            lock (_gate)
            {
                _reserved--;
                _reservedBytes -= bytes.Length;
            }

            throw;
        }

        lock (_gate)
        {
            _reserved--;
            _reservedBytes -= bytes.Length;
            _index[name] = (bytes.Length, request.ArrivedAt);
            _bytes += bytes.Length;
        }

        return true;
    }

    public async Task<IReadOnlyList<SpoolEntry>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        List<string> names;
        lock (_gate)
        {
            names = [.. _index.Keys.Take(count)];
        }

        var entries = new List<SpoolEntry>(names.Count);
        foreach (var name in names)
        {
            var path = Path.Combine(_directory, name);
            try
            {
                var request = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), SpoolJsonContext.Default.SpooledRequest);
                if (request is not null)
                {
                    entries.Add(new SpoolEntry(name, request));
                    continue;
                }
            }
            catch (JsonException ex)
            {
                Log.Unreadable(_logger, path, ex);
            }

            // Unreadable (edited by hand, a bad disk): set aside, never deleted, so an operator can look at it.
            Directory.CreateDirectory(Path.Combine(_directory, "unreadable"));
            File.Move(path, Path.Combine(_directory, "unreadable", name), overwrite: true);
            Forget(name);
        }

        return entries;
    }

    public Task RemoveAsync(SpoolEntry entry, CancellationToken cancellationToken)
    {
        File.Delete(Path.Combine(_directory, entry.Handle));
        Forget(entry.Handle);
        return Task.CompletedTask;
    }

    public Task<SpoolStats> ReadStatsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_index.Count == 0 ? SpoolStats.Empty : new SpoolStats(_index.Count, _bytes, _index.First().Value.Arrived));
        }
    }

    public Task<bool> TryLeadAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Forget(string name)
    {
        lock (_gate)
        {
            if (_index.Remove(name, out var removed))
            {
                _bytes -= removed.Size;
            }
        }
    }

    /// <summary>Arrival ticks, strictly increasing within this process and past every entry found at start.</summary>
    private long NextTicks(DateTimeOffset arrived)
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastTicks);
            var next = Math.Max(arrived.UtcTicks, last + 1);
            if (Interlocked.CompareExchange(ref _lastTicks, next, last) == last)
            {
                return next;
            }
        }
    }

    private static bool TryParseTicks(string name, out long ticks)
    {
        ticks = 0;
        return name.Length > 20 && name[19] == '-' && long.TryParse(name.AsSpan(0, 19), NumberStyles.None, CultureInfo.InvariantCulture, out ticks)
            && ticks is > 0 and <= 3155378975999999999;
    }

    /// <summary>
    /// fsync of the directory, so the rename itself survives a power cut. .NET opens no directory handles
    /// (FileStream refuses directories), hence open(2)/fsync(2) directly.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux
        var fd = Open(directory, ReadOnlyDirectory, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot open spool directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of spool directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    private static partial class Log
    {
        [LoggerMessage(900, LogLevel.Warning, "Spool: {Count} requests found in {Directory} from before the restart; they are forwarded once the runner answers")]
        public static partial void Recovered(ILogger logger, int count, string directory);

        [LoggerMessage(901, LogLevel.Error, "Spool: entry {Path} cannot be read; moved to unreadable/")]
        public static partial void Unreadable(ILogger logger, string path, Exception exception);
    }
}
