using System.Runtime.InteropServices;

namespace Codeur.Audit;

/// <summary>
/// A file opened with <c>O_APPEND</c> and written with one <c>write(2)</c> per record, so the kernel puts every
/// record at the end of the file whole. Both services append to the same audit file (one <c>.agent.yaml</c>, one
/// <c>audit.path</c>), and .NET's <see cref="FileMode.Append"/> only seeks to the end once and then writes at its
/// own offset: two processes overwrote each other's lines (found by the reliability suite under load).
/// </summary>
internal sealed class AppendOnlyFile : Stream
{
    private const int OWronly = 0x1;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int OCloexec = 0x80000;
    private const int Eintr = 4;

    private int _fd;

    public AppendOnlyFile(string path)
    {
        _fd = Open(path, OWronly | OCreat | OAppend | OCloexec, Convert.ToInt32("640", 8));
        if (_fd < 0)
        {
            throw new IOException($"cannot open {path} for appending (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Linux and its flag values; elsewhere the caller keeps a plain append stream.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var written = WriteNative(_fd, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
            if (written < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Eintr)
                {
                    continue;
                }

                throw new IOException($"audit write failed (errno {errno})");
            }

            buffer = buffer[(int)written..];
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A local append of one short line: the single writer loop owns this thread anyway.
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_fd >= 0)
        {
            _ = Close(_fd);
            _fd = -1;
        }

        base.Dispose(disposing);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint WriteNative(int fd, ref byte buffer, nuint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
