namespace Codeur.Runner.Sandbox;

/// <summary>
/// The per-task token: fires on the caller's cancel, the deadline, or an internal kill (output cap). The first
/// reason wins and is kept, because by the time the container is gone only this flag knows why it died.
/// </summary>
internal sealed class TaskRun : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _deadline;
    private int _reason = -1;

    public TaskRun(CancellationToken cancel, CancellationToken deadline)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(cancel, deadline);
        _deadline = deadline;
    }

    public CancellationToken Token => _source.Token;

    public SandboxEnding? KillReason => _reason < 0 ? null : (SandboxEnding)_reason;

    public void Kill(SandboxEnding reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, -1) == -1)
        {
            _source.Cancel();
        }
    }

    /// <summary>Records why the token fired (cancel beats deadline when both have) unless a reason is already set.</summary>
    public SandboxEnding DecideReason(CancellationToken cancel)
    {
        var reason = cancel.IsCancellationRequested ? SandboxEnding.Cancelled
            : _deadline.IsCancellationRequested ? SandboxEnding.TimedOut
            : SandboxEnding.Cancelled;
        Interlocked.CompareExchange(ref _reason, (int)reason, -1);
        return (SandboxEnding)_reason;
    }

    public void Dispose() => _source.Dispose();
}
