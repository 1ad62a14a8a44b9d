using Codeur.Runner.Queue;

namespace Codeur.Runner.Tests.Queue;

/// <summary><see cref="ITaskQueue.ListAsync"/>: what the task page lists, on every backend.</summary>
public abstract partial class TaskQueueContractTests
{
    [Fact(Timeout = TestTimeout)]
    public async Task ListAsync_Filters_StateProjectAndRequesterNewestFirstWithoutOutput()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var done = (await queue.EnqueueAsync(NewTask("backend") with { Requester = "Alice via token:relay" }, ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        await queue.CompleteAsync(done.Id, new TaskOutcome(TaskState.Succeeded, 0, "a large output", null), ct);
        var running = (await queue.EnqueueAsync(NewTask("backend") with { Requester = "token:ci" }, ct)).Task!;
        await queue.ClaimNextAsync("w1", ct);
        var queued = (await queue.EnqueueAsync(NewTask("frontend") with { Requester = "token:ci" }, ct)).Task!;
        var queuedToo = (await queue.EnqueueAsync(NewTask("backend") with { Requester = "bob" }, ct)).Task!;

        var all = await queue.ListAsync(new TaskQuery(), ct);
        var active = await queue.ListAsync(new TaskQuery(States: new HashSet<TaskState> { TaskState.Queued, TaskState.Running }), ct);
        var backend = await queue.ListAsync(new TaskQuery(Project: "backend"), ct);
        var alice = await queue.ListAsync(new TaskQuery(Requester: "ALICE"), ct);
        var ciQueued = await queue.ListAsync(new TaskQuery(States: new HashSet<TaskState> { TaskState.Queued }, Requester: "token:ci"), ct);
        var none = await queue.ListAsync(new TaskQuery(Project: "back"), ct);
        var noState = await queue.ListAsync(new TaskQuery(States: new HashSet<TaskState>()), ct);

        Assert.Equal([queuedToo.Id, queued.Id, running.Id, done.Id], all.Tasks.Select(t => t.Id));
        Assert.Null(all.Next);
        Assert.All(all.Tasks, t => Assert.Null(t.Output));
        Assert.Equal(TaskState.Succeeded, all.Tasks[3].State);
        Assert.Equal("Alice via token:relay", all.Tasks[3].Requester);
        Assert.Equal("a large output", (await queue.GetAsync(done.Id, ct))!.Output);
        Assert.Equal([queuedToo.Id, queued.Id, running.Id], active.Tasks.Select(t => t.Id));
        Assert.Equal([queuedToo.Id, running.Id, done.Id], backend.Tasks.Select(t => t.Id));
        Assert.Equal([done.Id], alice.Tasks.Select(t => t.Id));
        Assert.Equal([queued.Id], ciQueued.Tasks.Select(t => t.Id));
        Assert.Empty(none.Tasks);
        Assert.Empty(noState.Tasks);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ListAsync_MoreThanLimit_PagesWithTheCursorUntilExhausted()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await queue.EnqueueAsync(NewTask(i % 2 == 0 ? "even" : "odd"), ct)).Task!.Id);
        }

        var seen = new List<string>();
        long? before = null;
        var pages = 0;
        do
        {
            var page = await queue.ListAsync(new TaskQuery(Project: "even", Before: before, Limit: 2), ct);
            Assert.True(page.Tasks.Count <= 2);
            seen.AddRange(page.Tasks.Select(t => t.Id));
            before = page.Next;
            Assert.True(++pages < 10, "the cursor never ran out");
        }
        while (before is not null);

        Assert.Equal([ids[6], ids[4], ids[2], ids[0]], seen);
    }
}
