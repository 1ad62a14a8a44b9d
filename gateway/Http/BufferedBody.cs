using System.Buffers;

namespace Codeur.Gateway.Http;

/// <summary>
/// The raw request body, read once within its limit: signature checks hash exactly these bytes, and the forwarder
/// sends exactly these bytes on. The array is pooled and returned when the request ends.
/// </summary>
internal sealed class BufferedBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, length);

    public Stream OpenRead() => new MemoryStream(_buffer ?? throw new ObjectDisposedException(nameof(BufferedBody)), 0, length, writable: false);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
