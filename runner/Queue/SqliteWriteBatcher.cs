using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Codeur.Runner.Queue;

/// <summary>
/// The queue's single writer, with group commit. Write operations from any number of callers are queued; one loop
/// on one owned connection takes whatever has gathered, runs each in its own savepoint inside one
/// <c>BEGIN IMMEDIATE</c> transaction, commits once (one fsync under <c>synchronous=FULL</c>), and only then answers
/// the callers. Operations still run one after the other, so each sees the effects of those before it (a dedupe key
/// inserted earlier in the batch is a duplicate, capacity counts it); a failing one is rolled back to its savepoint
/// without disturbing the rest.
/// </summary>
internal sealed partial class SqliteWriteBatcher : IAsyncDisposable
{
    /// <summary>Bounds how long the write lock is held (and so how long another process sharing the file waits).</summary>
    private const int MaxBatch = 64;

    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private readonly ILogger _logger;
    private readonly Channel<Operation> _operations = Channel.CreateUnbounded<Operation>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly Task _loop;
    private long _commits;

    public SqliteWriteBatcher(Func<CancellationToken, Task<SqliteConnection>> open, ILogger logger)
    {
        _open = open;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> in the next batch; completes once that batch is committed.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new Operation<T>(work, cancellationToken);
        if (!_operations.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteTaskQueue), "the task queue is shut down");
        }

        return operation.Completion;
    }

    /// <summary>Batches committed so far: with many writers at once, fewer than the operations they carried.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public async ValueTask DisposeAsync()
    {
        // Operations already queued still run: an accepted enqueue must not be dropped on the way out.
        _operations.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        SqliteConnection? connection = null;
        var batch = new List<Operation>(MaxBatch);
        try
        {
            while (await _operations.Reader.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _operations.Reader.TryRead(out var operation))
                {
                    if (operation.TryStart())
                    {
                        batch.Add(operation);
                    }
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                try
                {
                    connection ??= await _open(CancellationToken.None);
                    await RunBatchAsync(connection, batch);
                    Interlocked.Increment(ref _commits);
                }
                catch (Exception exception)
                {
                    // Begin or commit failed (disk full, file locked past busy_timeout...): nothing in the batch is
                    // durable, so every caller hears about it. A fresh connection is taken for the next batch.
                    Log.BatchFailed(_logger, batch.Count, exception);
                    foreach (var operation in batch)
                    {
                        operation.Fail(exception);
                    }

                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task RunBatchAsync(SqliteConnection connection, List<Operation> batch)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var operation in batch)
        {
            transaction.Save("op");
            try
            {
                await operation.RunAsync(connection, transaction);
                transaction.Release("op");
            }
            catch (Exception exception)
            {
                transaction.Rollback("op");
                transaction.Release("op");
                operation.Fail(exception);
            }
        }

        transaction.Commit();
        foreach (var operation in batch)
        {
            operation.Publish();
        }
    }

    private abstract class Operation
    {
        private const int Pending = 0;
        private const int Started = 1;
        private const int Abandoned = 2;
        private int _state;

        /// <summary>False when the caller gave up before the writer reached it (it never runs then).</summary>
        public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Pending) == Pending;

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        /// <summary>Hands the result to the caller; called only after the commit.</summary>
        public abstract void Publish();

        /// <summary>Answers with the failure now: the operation was rolled back, or its whole batch was.</summary>
        public abstract void Fail(Exception exception);

        protected bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Pending) == Pending;
    }

    private sealed class Operation<T> : Operation
    {
        private readonly Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> _work;
        private readonly CancellationToken _cancellationToken;
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _registration;
        private T? _result;

        public Operation(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        {
            _work = work;
            _cancellationToken = cancellationToken;

            // Cancellation counts only while the operation waits; once started it runs (and honours the token
            // itself), so a caller is never told "cancelled" about a write that was committed.
            _registration = cancellationToken.Register(static state =>
            {
                var operation = (Operation<T>)state!;
                if (operation.TryAbandon())
                {
                    operation._completion.TrySetCanceled(operation._cancellationToken);
                }
            }, this);
        }

        public Task<T> Completion => _completion.Task;

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            _result = await _work(connection, transaction, _cancellationToken);

        public override void Publish()
        {
            _registration.Dispose();

            // No-op for an operation that already failed: its answer was given when it was rolled back.
            _completion.TrySetResult(_result!);
        }

        public override void Fail(Exception exception)
        {
            _registration.Dispose();
            if (exception is OperationCanceledException canceled)
            {
                _completion.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Error, "Task queue write batch of {Count} operations failed; none of them was stored")]
        public static partial void BatchFailed(ILogger logger, int count, Exception exception);
    }
}
