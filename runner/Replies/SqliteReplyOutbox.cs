using System.Globalization;
using System.Text.Json;
using Codeur.Runner.Queue;
using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Replies;

/// <summary>The outbox in the queue's SQLite file (table <c>replies</c>, schema migration 5), written through the queue's single writer.</summary>
internal sealed class SqliteReplyOutbox(SqliteTaskQueue store, TimeProvider time) : IReplyOutbox, IReplyRetention
{
    private const string Columns = "r.id, r.task_id, r.platform, r.kind, r.context, r.content, r.attempts, r.expires_at, r.trace_parent";

    /// <summary>The queue's store this outbox writes through (the intake stores an acknowledgement in the enqueue's transaction).</summary>
    internal SqliteTaskQueue Store => store;

    public Task AddAsync(OutgoingReply reply, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var now = time.GetUtcNow();
        var content = JsonSerializer.Serialize(reply.Content, ReplyJsonContext.Default.ReplyContent);
        return store.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, reply, content, expiresAt, now, cancellationToken), cancellationToken);
    }

    /// <summary>Stores <paramref name="reply"/> (<paramref name="content"/> its serialised content) inside the caller's transaction on the queue's writer connection.</summary>
    internal static async Task<int> InsertAsync(
        SqliteConnection connection, SqliteTransaction transaction, OutgoingReply reply, string content, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (reply.TaskId is not null && reply.Kind is ReplyKind.Progress or ReplyKind.Ending)
        {
            var drop = SqliteTaskQueue.Prepared(connection, transaction,
                "DELETE FROM replies WHERE task_id = $task AND kind = 'progress' AND state = 'pending';");
            drop.Parameters.AddWithValue("$task", reply.TaskId);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        // An acknowledgement that would arrive after the ending (a task that finished at once) is not worth posting.
        var insert = SqliteTaskQueue.Prepared(connection, transaction, """
            INSERT INTO replies (task_id, platform, kind, context, content, state, next_attempt_at, expires_at, created_at, trace_parent)
            SELECT $task, $platform, $kind, $context, $content, 'pending', $now, $expires, $now, $trace_parent
            WHERE $kind <> 'ack' OR NOT EXISTS (SELECT 1 FROM replies WHERE task_id = $task AND kind = 'ending');
            """);
        insert.Parameters.AddWithValue("$task", (object?)reply.TaskId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$platform", reply.Platform);
        insert.Parameters.AddWithValue("$kind", reply.Kind.ToName());
        insert.Parameters.AddWithValue("$context", reply.Context);
        insert.Parameters.AddWithValue("$content", content);
        insert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$expires", expiresAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$trace_parent", (object?)reply.TraceParent ?? DBNull.Value);
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<StoredReply>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        store.ReadAsync<IReadOnlyList<StoredReply>>(async connection =>
        {
            // In order per task: an ending never overtakes its acknowledgement (a progress edit needs the ack's id).
            using var select = SqliteTaskQueue.Command(connection, null, $"""
                SELECT {Columns},
                       (SELECT a.message_ref FROM replies a WHERE a.task_id = r.task_id AND a.kind = 'ack' AND a.state = 'delivered' LIMIT 1)
                FROM replies r
                WHERE r.state = 'pending' AND r.next_attempt_at <= $now
                  AND (r.task_id IS NULL OR NOT EXISTS (
                        SELECT 1 FROM replies e WHERE e.task_id = r.task_id AND e.state = 'pending' AND e.id < r.id))
                ORDER BY r.id
                LIMIT $max;
                """);
            select.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            select.Parameters.AddWithValue("$max", max);
            var due = new List<StoredReply>();
            using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(Read(reader));
            }

            return due;
        }, cancellationToken);

    public Task DeliveredAsync(long id, string? messageRef, CancellationToken cancellationToken) =>
        store.WriteAsync(async (connection, transaction) =>
        {
            using var update = SqliteTaskQueue.Command(connection, transaction, """
                UPDATE replies SET state = 'delivered', attempts = attempts + 1, delivered_at = $now, message_ref = $ref, last_error = NULL
                WHERE id = $id;
                """);
            update.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$ref", (object?)messageRef ?? DBNull.Value);
            update.Parameters.AddWithValue("$id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task FailedAsync(long id, string error, DateTimeOffset? nextAttempt, CancellationToken cancellationToken) =>
        store.WriteAsync(async (connection, transaction) =>
        {
            using var update = SqliteTaskQueue.Command(connection, transaction, """
                UPDATE replies SET attempts = attempts + 1, last_error = $error,
                    state = CASE WHEN $next IS NULL THEN 'expired' ELSE state END,
                    next_attempt_at = coalesce($next, next_attempt_at)
                WHERE id = $id;
                """);
            update.Parameters.AddWithValue("$error", error);
            update.Parameters.AddWithValue("$next", nextAttempt is { } next ? next.ToUnixTimeMilliseconds() : DBNull.Value);
            update.Parameters.AddWithValue("$id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<int> PendingCountAsync(CancellationToken cancellationToken) =>
        store.ReadAsync(async connection =>
        {
            using var count = SqliteTaskQueue.Command(connection, null, "SELECT count(*) FROM replies WHERE state = 'pending';");
            return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }, cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken) =>
        store.PruneRepliesAsync(cutoff, batch, cancellationToken);

    public Task<long> ReclaimAsync(CancellationToken cancellationToken) => store.ReclaimAsync(cancellationToken);

    private static StoredReply Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Reply = new OutgoingReply
        {
            TaskId = reader.IsDBNull(1) ? null : reader.GetString(1),
            Platform = reader.GetString(2),
            Kind = ReplyKinds.Parse(reader.GetString(3)),
            Context = reader.GetString(4),
            Content = JsonSerializer.Deserialize(reader.GetString(5), ReplyJsonContext.Default.ReplyContent)
                ?? throw new FormatException("empty reply content"),
            TraceParent = reader.IsDBNull(8) ? null : reader.GetString(8),
        },
        Attempts = reader.GetInt32(6),
        ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
        AckRef = reader.IsDBNull(9) ? null : reader.GetString(9),
    };
}
