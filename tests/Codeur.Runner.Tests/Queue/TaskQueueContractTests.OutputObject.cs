using Codeur.Runner.Queue;

namespace Codeur.Runner.Tests.Queue;

/// <summary>An output in object storage, part of the contract: both stores keep its reference instead of the text, and prune it with the outputs.</summary>
public abstract partial class TaskQueueContractTests
{
    private static readonly TaskOutputObject StoredOutput = new("codeur/outputs/2026/11/29/080000000-t.log", 123_456, new string('a', 64));

    [Fact(Timeout = TestTimeout)]
    public async Task CompleteAsync_OutputInObjectStorage_ReferenceStoredWithoutText()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var created = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        Assert.Equal(created.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);
        Assert.NotNull(await queue.BeginAsync(created.Id, ct));

        Assert.True(await queue.CompleteAsync(created.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null) { OutputObject = StoredOutput }, ct));

        var stored = (await (await CreateQueueAsync()).GetAsync(created.Id, ct))!;
        Assert.Null(stored.Output);
        Assert.Equal(StoredOutput, stored.OutputObject);
        Assert.Equal(StoredOutput, Assert.Single(await queue.RecentAsync(10, ct)).OutputObject);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PruneAsync_OutputInObjectStoragePastItsPeriod_ReferenceCleared()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var created = (await queue.EnqueueAsync(NewTask("A"), ct)).Task!;
        Assert.Equal(created.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);
        Assert.NotNull(await queue.BeginAsync(created.Id, ct));
        Assert.True(await queue.CompleteAsync(created.Id, new TaskOutcome(TaskState.Succeeded, 0, null, null) { OutputObject = StoredOutput }, ct));
        Time.Advance(TimeSpan.FromDays(3));

        var now = Time.GetUtcNow();
        var counts = await ((ITaskRetention)queue).PruneAsync(new RetentionCutoffs(null, now - TimeSpan.FromDays(2), null), 500, ct);

        Assert.Equal(new PruneCounts(0, 1, 0), counts);
        var pruned = (await queue.GetAsync(created.Id, ct))!;
        Assert.Null(pruned.OutputObject);
        Assert.Equal(TaskState.Succeeded, pruned.State);
    }
}
