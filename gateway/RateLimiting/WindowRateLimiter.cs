using System.Threading.RateLimiting;

namespace Codeur.Gateway.RateLimiting;

/// <summary>
/// A fixed-window <see cref="RateLimiter"/> that reads time from a <see cref="TimeProvider"/>. The framework's
/// <c>FixedWindowRateLimiter</c> reads the stopwatch directly (dotnet/runtime#106447), which makes windows
/// untestable without sleeping; partitioning, idle eviction and the middleware stay the built-in ones.
/// No queueing: a request either gets a permit now or is told when to come back.
/// </summary>
internal sealed class WindowRateLimiter(int permitLimit, TimeSpan window, TimeProvider time) : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true, null);

    private readonly Lock _gate = new();
    private long _windowStart = time.GetTimestamp();
    private int _used;
    private long _failed;
    private long _succeeded;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                var elapsed = time.GetElapsedTime(_windowStart);
                return _used == 0 || elapsed >= window ? elapsed : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Roll();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = permitLimit - _used,
                CurrentQueuedCount = 0,
                TotalFailedLeases = _failed,
                TotalSuccessfulLeases = _succeeded,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            Roll();
            if (permitCount == 0 ? _used < permitLimit : _used + permitCount <= permitLimit)
            {
                _used += permitCount;
                _succeeded++;
                return Granted;
            }

            _failed++;
            return new Lease(false, window - time.GetElapsedTime(_windowStart));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Roll()
    {
        if (time.GetElapsedTime(_windowStart) >= window)
        {
            _windowStart = time.GetTimestamp();
            _used = 0;
        }
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
