using Microsoft.Extensions.Hosting;

namespace Codeur.Runner.Tests.Workers;

/// <summary>Records whether something asked the host to stop (a worker loop that died does).</summary>
internal sealed class RecordingLifetime : IHostApplicationLifetime
{
    private int _stopRequested;

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => CancellationToken.None;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public bool StopRequested => Volatile.Read(ref _stopRequested) == 1;

    public void StopApplication() => Volatile.Write(ref _stopRequested, 1);
}
