using System.Text;
using System.Threading.Channels;

namespace Codeur.Runner.Tasks;

/// <summary>
/// The live output of one running task: kept (capped) for late subscribers and fanned out to followers of
/// <c>/api/tasks/{id}/logs</c>. Writers never block on a slow follower: a follower that falls behind is dropped.
/// </summary>
internal sealed class TaskOutput(int capacityChars = TaskOutput.DefaultCapacityChars)
{
    public const int DefaultCapacityChars = 256 * 1024;

    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly List<Channel<string>> _followers = [];
    private bool _completed;

    public bool Truncated { get; private set; }

    public void Append(string chunk)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            var room = capacityChars - _text.Length;
            if (room > 0)
            {
                _text.Append(chunk.AsSpan(0, Math.Min(room, chunk.Length)));
            }

            Truncated |= chunk.Length > room;
            for (var i = _followers.Count - 1; i >= 0; i--)
            {
                if (!_followers[i].Writer.TryWrite(chunk))
                {
                    _followers[i].Writer.TryComplete();
                    _followers.RemoveAt(i);
                }
            }
        }
    }

    public string Snapshot()
    {
        lock (_gate)
        {
            return _text.ToString();
        }
    }

    /// <summary>Everything so far, then each new chunk until the task ends.</summary>
    public (string Backlog, ChannelReader<string> Live) Follow()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        lock (_gate)
        {
            if (_completed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _followers.Add(channel);
            }

            return (_text.ToString(), channel.Reader);
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            foreach (var follower in _followers)
            {
                follower.Writer.TryComplete();
            }

            _followers.Clear();
        }
    }
}
