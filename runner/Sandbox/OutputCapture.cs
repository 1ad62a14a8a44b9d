using System.Buffers;
using System.Text;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// Counts every byte a task writes and keeps the first <c>limit</c> of them. Crossing the limit is reported once
/// so the executor can kill the container; bytes past it are counted, not stored.
/// </summary>
internal sealed class OutputCapture(long limit)
{
    private readonly ArrayBufferWriter<byte> _kept = new((int)Math.Clamp(limit, 1, 64 * 1024));

    public long TotalBytes { get; private set; }

    public bool LimitExceeded => TotalBytes > limit;

    /// <summary>Appends a chunk; returns true when this chunk took the total past the limit.</summary>
    public bool Append(ReadOnlySpan<byte> chunk)
    {
        var wasOver = LimitExceeded;
        var room = limit - _kept.WrittenCount;
        if (room > 0)
        {
            var take = (int)Math.Min(room, chunk.Length);
            chunk[..take].CopyTo(_kept.GetSpan(take));
            _kept.Advance(take);
        }

        TotalBytes += chunk.Length;
        return !wasOver && LimitExceeded;
    }

    public string Text() => Encoding.UTF8.GetString(_kept.WrittenSpan);
}
