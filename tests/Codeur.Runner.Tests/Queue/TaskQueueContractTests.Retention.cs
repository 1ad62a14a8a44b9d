using Codeur.Runner.Queue;

namespace Codeur.Runner.Tests.Queue;

/// <summary>Retention, part of the contract: both stores prune exactly the ended work past its period, nothing live.</summary>
public abstract partial class TaskQueueContractTests
{
    [Fact(Timeout = TestTimeout)]
    public async Task PruneAsync_OutputsAndDedupeKeysPastTheirPeriod_ClearedOnEndedTasksOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var retention = (ITaskRetention)queue;
        var old = await RunToEndAsync(queue, NewTask("A") with { DedupeKey = "delivery-old" }, new string('x', 10_000));
        var running = (await queue.EnqueueAsync(NewTask("C") with { DedupeKey = "delivery-running" }, ct)).Task!;
        Assert.Equal(running.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);
        var waiting = (await queue.EnqueueAsync(NewTask("C") with { DedupeKey = "delivery-waiting" }, ct)).Task!;
        Time.Advance(TimeSpan.FromDays(2));
        var recent = await RunToEndAsync(queue, NewTask("D") with { DedupeKey = "delivery-recent" }, "recent output");
        Time.Advance(TimeSpan.FromDays(1));

        var now = Time.GetUtcNow();
        var counts = await retention.PruneAsync(new RetentionCutoffs(now - TimeSpan.FromDays(30), now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(2)), 500, ct);

        Assert.Equal(new PruneCounts(0, 1, 1), counts);
        var pruned = (await queue.GetAsync(old.Id, ct))!;
        Assert.Null(pruned.Output);
        Assert.Equal(TaskState.Succeeded, pruned.State);
        Assert.Equal("recent output", (await queue.GetAsync(recent.Id, ct))!.Output);

        // A released key takes a new task; every other key still answers with its task.
        Assert.Equal(EnqueueStatus.Created, (await queue.EnqueueAsync(NewTask("A") with { DedupeKey = "delivery-old" }, ct)).Status);
        foreach (var (key, id) in new[] { ("delivery-recent", recent.Id), ("delivery-waiting", waiting.Id), ("delivery-running", running.Id) })
        {
            var again = await queue.EnqueueAsync(NewTask("E") with { DedupeKey = key }, ct);
            Assert.Equal(EnqueueStatus.Duplicate, again.Status);
            Assert.Equal(id, again.Task!.Id);
        }

        Assert.Equal(new PruneCounts(0, 0, 0), await retention.PruneAsync(new RetentionCutoffs(null, now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(2)), 500, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PruneAsync_EndedTasksPastTheirPeriod_DeletedWhileQueuedAndRunningStay()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var retention = (ITaskRetention)queue;
        var ended = new List<TaskRecord>();
        for (var i = 0; i < 25; i++)
        {
            ended.Add(await RunToEndAsync(queue, NewTask("A") with { DedupeKey = $"old-{i}" }, "out " + i));
        }

        var cancelled = (await queue.EnqueueAsync(NewTask("B"), ct)).Task!;
        await queue.RequestCancelAsync(cancelled.Id, ct);
        var running = (await queue.EnqueueAsync(NewTask("C"), ct)).Task!;
        Assert.Equal(running.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);
        var waiting = (await queue.EnqueueAsync(NewTask("C"), ct)).Task!;
        Time.Advance(TimeSpan.FromDays(31));
        var young = await RunToEndAsync(queue, NewTask("D"), "young");

        // A batch of 10 against 26 ended tasks: the pass goes on until none is left.
        var now = Time.GetUtcNow();
        var counts = await retention.PruneAsync(new RetentionCutoffs(now - TimeSpan.FromDays(30), null, null), 10, ct);

        Assert.Equal(26, counts.Tasks);
        foreach (var task in ended.Append(cancelled))
        {
            Assert.Null(await queue.GetAsync(task.Id, ct));
        }

        Assert.DoesNotContain((await queue.RecentAsync(100, ct)).Select(t => t.Id), ended.Select(t => t.Id).Contains);
        Assert.Equal(TaskState.Running, (await queue.GetAsync(running.Id, ct))!.State);
        Assert.Equal(TaskState.Queued, (await queue.GetAsync(waiting.Id, ct))!.State);
        Assert.Equal("young", (await queue.GetAsync(young.Id, ct))!.Output);
        Assert.Equal(new QueueStats(1, 1), await queue.GetStatsAsync(ct));
        Assert.Equal(EnqueueStatus.Created, (await queue.EnqueueAsync(NewTask("A") with { DedupeKey = "old-3" }, ct)).Status);

        // The queue still works as before: the running task ends, the waiting one is claimed next.
        Assert.True(await queue.CompleteAsync(running.Id, new TaskOutcome(TaskState.Succeeded, 0, "", null), ct));
        Assert.Equal(waiting.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SizeAsync_StoreWithTasks_ReportsBytesAndReclaimAnswers()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var retention = (ITaskRetention)queue;
        await RunToEndAsync(queue, NewTask("A"), new string('x', 100_000));

        Assert.True(await retention.SizeAsync(ct) > 100_000);
        Assert.True(await retention.ReclaimAsync(ct) >= 0);
    }

    private static async Task<TaskRecord> RunToEndAsync(ITaskQueue queue, NewTask task, string output)
    {
        var ct = TestContext.Current.CancellationToken;
        var created = (await queue.EnqueueAsync(task, ct)).Task!;
        Assert.Equal(created.Id, (await queue.ClaimNextAsync("runner-1", ct))!.Id);
        Assert.NotNull(await queue.BeginAsync(created.Id, ct));
        Assert.True(await queue.CompleteAsync(created.Id, new TaskOutcome(TaskState.Succeeded, 0, output, null), ct));
        return (await queue.GetAsync(created.Id, ct))!;
    }
}
