using System.Threading.RateLimiting;
using Codeur.Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Gateway.Tests.RateLimiting;

public sealed class WindowRateLimiterTests
{
    [Fact]
    public void AttemptAcquire_PastLimit_FailsWithRetryAfterUntilWindowEnds()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new WindowRateLimiter(2, TimeSpan.FromMinutes(1), clock);

        Assert.True(limiter.AttemptAcquire().IsAcquired);
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        using var rejected = limiter.AttemptAcquire();

        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(40), retryAfter);
    }

    [Fact]
    public void AttemptAcquire_AfterWindow_GrantsAFreshBudget()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new WindowRateLimiter(1, TimeSpan.FromMinutes(1), clock);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(limiter.AttemptAcquire().IsAcquired);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(limiter.AttemptAcquire().IsAcquired);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(limiter.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public void IdleDuration_UsedWindow_IsNullUntilTheWindowEnds()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new WindowRateLimiter(5, TimeSpan.FromMinutes(1), clock);
        Assert.Equal(TimeSpan.Zero, limiter.IdleDuration);

        limiter.AttemptAcquire().Dispose();
        Assert.Null(limiter.IdleDuration);

        clock.Advance(TimeSpan.FromSeconds(75));
        Assert.Equal(TimeSpan.FromSeconds(75), limiter.IdleDuration);
    }
}
