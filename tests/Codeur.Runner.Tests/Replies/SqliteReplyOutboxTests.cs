using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Replies;

/// <summary>The outbox on a real SQLite file shared with the queue (schema migration 5).</summary>
public sealed class SqliteReplyOutboxTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-outbox-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));
    private SqliteTaskQueue _queue = null!;
    private SqliteReplyOutbox _outbox = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DateTimeOffset Expiry => _time.GetUtcNow().AddHours(1);

    public async ValueTask InitializeAsync()
    {
        _queue = new SqliteTaskQueue(new QueueSection { Path = Path.Combine(_directory, "codeur.db") }, _time, NullLogger<SqliteTaskQueue>.Instance);
        await _queue.InitializeAsync(Ct);
        _outbox = new SqliteReplyOutbox(_queue, _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task DueAsync_TwoRepliesOfOneTask_OnlyTheFirstUntilItIsDelivered()
    {
        await _outbox.AddAsync(Reply("t1", ReplyKind.Ack, "ack"), Expiry, Ct);
        await _outbox.AddAsync(Reply("t1", ReplyKind.Ending, "end"), Expiry, Ct);
        await _outbox.AddAsync(Reply("t2", ReplyKind.Ending, "other"), Expiry, Ct);

        var first = await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct);
        Assert.Equal(["ack", "other"], first.Select(r => r.Reply.Content.Headline));

        await _outbox.DeliveredAsync(first[0].Id, "4242", Ct);
        var second = await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct);

        var ending = Assert.Single(second, r => r.Reply.TaskId == "t1");
        Assert.Equal("end", ending.Reply.Content.Headline);
        Assert.Equal("4242", ending.AckRef);
    }

    [Fact]
    public async Task AddAsync_Progress_ReplacesPendingProgressAndEndingDropsIt()
    {
        await _outbox.AddAsync(Reply("t1", ReplyKind.Progress, "1 min"), Expiry, Ct);
        await _outbox.AddAsync(Reply("t1", ReplyKind.Progress, "2 min"), Expiry, Ct);
        Assert.Equal(["2 min"], (await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct)).Select(r => r.Reply.Content.Headline));

        await _outbox.AddAsync(Reply("t1", ReplyKind.Ending, "end"), Expiry, Ct);

        Assert.Equal(["end"], (await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct)).Select(r => r.Reply.Content.Headline));
    }

    [Fact]
    public async Task AddAsync_AckAfterEnding_Dropped()
    {
        await _outbox.AddAsync(Reply("t1", ReplyKind.Ending, "end"), Expiry, Ct);
        await _outbox.AddAsync(Reply("t1", ReplyKind.Ack, "ack"), Expiry, Ct);

        Assert.Equal(["end"], (await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct)).Select(r => r.Reply.Content.Headline));
        Assert.Equal(1, await _outbox.PendingCountAsync(Ct));
    }

    [Fact]
    public async Task FailedAsync_RetryLaterThenGiveUp_DueAgainOnlyAtItsTimeThenGone()
    {
        await _outbox.AddAsync(Reply("t1", ReplyKind.Ending, "end"), Expiry, Ct);
        var reply = Assert.Single(await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct));

        await _outbox.FailedAsync(reply.Id, "HTTP 500", _time.GetUtcNow().AddSeconds(30), Ct);
        Assert.Empty(await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct));
        _time.Advance(TimeSpan.FromSeconds(30));
        var again = Assert.Single(await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct));
        Assert.Equal(1, again.Attempts);

        await _outbox.FailedAsync(reply.Id, "HTTP 404", null, Ct);
        Assert.Empty(await _outbox.DueAsync(_time.GetUtcNow().AddDays(1), 10, Ct));
        Assert.Equal(0, await _outbox.PendingCountAsync(Ct));
    }

    [Fact]
    public async Task AddAsync_Rejection_WithoutTaskIsDueAlongsideOthers()
    {
        await _outbox.AddAsync(Reply(null, ReplyKind.Rejection, "no"), Expiry, Ct);
        await _outbox.AddAsync(Reply(null, ReplyKind.Rejection, "no again"), Expiry, Ct);

        Assert.Equal(2, (await _outbox.DueAsync(_time.GetUtcNow(), 10, Ct)).Count);
    }

    private static OutgoingReply Reply(string? taskId, ReplyKind kind, string headline) => new()
    {
        Platform = "github",
        TaskId = taskId,
        Kind = kind,
        Context = """{"repository":"acme/backend","issue_number":7}""",
        Content = new ReplyContent { Headline = headline },
    };
}
