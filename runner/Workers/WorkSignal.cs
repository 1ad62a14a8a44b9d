using System.Threading.Channels;

namespace Codeur.Runner.Workers;

/// <summary>Wakes idle workers when a task is queued or a project frees up; they also poll, so a missed pulse only delays.</summary>
internal sealed class WorkSignal
{
    private readonly Channel<bool> _pulses = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _pulses.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _pulses.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
