using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Storage;
using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Replies;

/// <summary>
/// Where intake, the queue and the progress reporter hand over replies: formats them (redacted), stores them in the
/// outbox with their expiry, and wakes the dispatcher. Storing never fails the caller: a task's completion or a
/// request's answer must not be undone by a reply, so a store failure is logged and metered instead.
/// </summary>
internal sealed partial class TaskReplies(
    IReplyOutbox outbox,
    ReplyFormatter formatter,
    ReplyDispatcher dispatcher,
    ReplyReach reach,
    OutputStorage outputs,
    AgentConfig config,
    TimeProvider time,
    Observability.RunnerMetrics metrics,
    ILogger<TaskReplies> logger)
{
    private readonly TimeSpan _expiry = TimeSpan.FromSeconds(config.Webhook.Replies.Expiry);

    /// <summary>Platforms we can answer on (the API caller polls the task API instead).</summary>
    public static bool CanReply(string platform) => platform is "github" or "slack" or "discord";

    /// <summary>
    /// True when the platform showed nothing when the task was accepted, so we post an acknowledgement: GitHub
    /// always; a Slack mention (no response_url); a Discord message relay (no interaction token).
    /// </summary>
    public static bool NeedsAck(string platform, string? replyContext)
    {
        var context = ReplyContext.Parse(replyContext);
        return platform switch
        {
            "github" => context["issue_number"] is not null,
            "slack" => context["response_url"] is null && context["channel_id"] is not null,
            "discord" => context["interaction_token"] is null && context["channel_id"] is not null,
            _ => false,
        };
    }

    /// <summary>
    /// True when a task from <paramref name="platform"/> gets an acknowledgement stored: the platform showed nothing
    /// (<see cref="NeedsAck"/>) and an acknowledgement can leave, which takes the platform's token (<see cref="ReplyReach"/>).
    /// </summary>
    public bool WantsAck(string platform, string? replyContext) => reach.HasToken(platform) && NeedsAck(platform, replyContext);

    public Task AcceptedAsync(TaskRecord task, int position)
    {
        ArgumentNullException.ThrowIfNull(task);
        return WantsAck(task.Platform, task.ReplyContext)
            ? StoreAsync(task.Platform, task.Id, ReplyKind.Ack, task.ReplyContext, task.CreatedAt, () => formatter.Ack(task, position), task.TraceParent)
            : Task.CompletedTask;
    }

    /// <summary>
    /// Stores the acknowledgement of a task just created inside the enqueue's own transaction (the outbox shares the
    /// queue's SQLite file): one commit for both. The caller checked <see cref="WantsAck"/> and calls <see cref="Stored"/> after the commit.
    /// </summary>
    public Task StoreAckAsync(SqliteConnection connection, SqliteTransaction transaction, TaskRecord task, int position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var reply = new OutgoingReply
        {
            Platform = task.Platform,
            TaskId = task.Id,
            Kind = ReplyKind.Ack,
            Context = task.ReplyContext!,
            Content = formatter.Ack(task, position),
            TraceParent = task.TraceParent,
        };
        var now = time.GetUtcNow();
        var content = JsonSerializer.Serialize(reply.Content, ReplyJsonContext.Default.ReplyContent);
        return SqliteReplyOutbox.InsertAsync(connection, transaction, reply, content, now + _expiry, now, cancellationToken);
    }

    /// <summary>Wakes the dispatcher after replies were committed by someone else's transaction.</summary>
    public void Stored() => dispatcher.Notify();

    public Task RejectedAsync(string platform, string? replyContext, string message) =>
        CanReply(platform) && replyContext is not null
            ? StoreAsync(platform, null, ReplyKind.Rejection, replyContext, time.GetUtcNow(), () => formatter.Rejection(message, time.GetUtcNow()))
            : Task.CompletedTask;

    public async Task EndedAsync(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!CanLeave(task.Platform, ReplyKind.Ending, task.ReplyContext, task.CreatedAt))
        {
            return;
        }

        // An output in object storage: the reply carries its tail as it would an inline one, and links the whole.
        var stored = task.OutputObject is { } output
            ? await outputs.ReadTailAsync(output, ReplyFormatter.MaxOutputChars, CancellationToken.None)
            : null;
        await StoreAsync(task.Platform, task.Id, ReplyKind.Ending, task.ReplyContext, task.CreatedAt, () => formatter.Ending(task, stored));
    }

    public Task ProgressAsync(TaskRecord task, TimeSpan elapsed, string output)
    {
        ArgumentNullException.ThrowIfNull(task);
        return StoreAsync(task.Platform, task.Id, ReplyKind.Progress, task.ReplyContext, task.CreatedAt, () => formatter.Progress(task, elapsed, output));
    }

    /// <summary>A reply has somewhere to go: a platform we answer, its context, and a token or a live callback.</summary>
    private bool CanLeave(string platform, ReplyKind kind, [NotNullWhen(true)] string? replyContext, DateTimeOffset receivedAt) =>
        CanReply(platform) && replyContext is not null && reach.CanDeliver(platform, kind, ReplyContext.Parse(replyContext), receivedAt);

    // traceParent: the span the reply hangs under; by default the one current where it is stored. An acknowledgement
    // hangs under the task's enqueue span on every store (on SQLite it is written in the enqueue's own transaction).
    private async Task StoreAsync(string platform, string? taskId, ReplyKind kind, string? replyContext, DateTimeOffset receivedAt, Func<ReplyContent> content, string? traceParent = null)
    {
        // A reply with no way out (no token, no live callback) would only be stored, retried and given up: not stored.
        if (!CanLeave(platform, kind, replyContext, receivedAt))
        {
            return;
        }

        try
        {
            await outbox.AddAsync(
                new OutgoingReply
                {
                    Platform = platform,
                    TaskId = taskId,
                    Kind = kind,
                    Context = replyContext,
                    Content = content(),
                    TraceParent = traceParent ?? RunnerTracing.TraceParentOf(Activity.Current),
                },
                time.GetUtcNow() + _expiry,
                CancellationToken.None);
            dispatcher.Notify();
        }
        catch (Exception ex)
        {
            metrics.ReplyExpired(platform, kind.ToName());
            Log.StoreFailed(logger, kind.ToName(), platform, taskId, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Error, "Could not store reply {Kind} to {Platform} for task {TaskId}")]
        public static partial void StoreFailed(ILogger logger, string kind, string platform, string? taskId, Exception exception);
    }
}
