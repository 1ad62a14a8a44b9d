using System.Diagnostics;
using System.Diagnostics.Metrics;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Observability;

/// <summary>
/// The runner's instruments with the spec's names. Queue gauges read a snapshot refreshed by the workers and
/// intake (never a database call inside a metrics callback).
/// </summary>
internal sealed class RunnerMetrics
{
    public const string MeterName = "Codeur.Runner";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _repliesSent;
    private readonly Counter<long> _replyFailures;
    private readonly Counter<long> _repliesExpired;
    private readonly Counter<long> _pruned;
    private readonly Counter<long> _outputObjects;
    private long _storeBytes = -1;
    private int _queued;
    private int _running;
    private int _busy;

    public RunnerMetrics(IMeterFactory meterFactory, Codeur.Configuration.AgentConfig config)
    {
        var workers = config.Webhook.Workers;
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("webhook_requests", description: "Requests that reached intake, by platform.");
        _errors = meter.CreateCounter<long>("webhook_errors", description: "Requests refused at intake, by error type.");
        _finished = meter.CreateCounter<long>("tasks_finished", description: "Tasks that reached a final state, by command and ending.");
        _duration = meter.CreateHistogram<double>("task_execution_duration", unit: "s", description: "Time from start to end of a task, by command and ending.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600] });
        _repliesSent = meter.CreateCounter<long>("replies_sent", description: "Replies delivered to a platform, by platform and kind.");
        _replyFailures = meter.CreateCounter<long>("reply_failures", description: "Failed reply delivery attempts, by platform and kind.");
        _repliesExpired = meter.CreateCounter<long>("replies_expired", description: "Replies given up (expired or undeliverable), by platform and kind.");
        _pruned = meter.CreateCounter<long>("retention_pruned", description: "Records pruned by retention, by kind (tasks, outputs, dedupe_keys, replies).");
        _outputObjects = meter.CreateCounter<long>("output_objects", description: "Task outputs in object storage (storage.s3), by result: stored, upload_failed (kept inline), read_failed, missing, deleted.");
        meter.CreateObservableGauge("queue_store_bytes", ObserveStoreBytes, description: "Size of the task store after the last retention pass (SQLite file and WAL; Redis used_memory).");
        meter.CreateObservableGauge("task_queue_length", () => Volatile.Read(ref _queued), description: "Tasks waiting to run.");
        meter.CreateObservableGauge("tasks_running", () => Volatile.Read(ref _running), description: "Tasks running on any runner sharing the queue.");
        meter.CreateObservableGauge("worker_pool_utilization", () => (double)Volatile.Read(ref _busy) / workers, description: "Busy workers / workers on this runner (0..1).");
    }

    public void Request(string platform) => _requests.Add(1, new KeyValuePair<string, object?>("platform", platform));

    public void Error(string type) => _errors.Add(1, new KeyValuePair<string, object?>("type", type));

    public void Finished(string command, TaskState ending, TimeSpan? duration)
    {
        var tags = new TagList { { "command", command }, { "ending", ending.ToName() } };
        _finished.Add(1, tags);
        if (duration is { } d)
        {
            _duration.Record(d.TotalSeconds, tags);
        }
    }

    public void ReplySent(string platform, string kind) => _repliesSent.Add(1, new("platform", platform), new("kind", kind));

    public void ReplyFailed(string platform, string kind) => _replyFailures.Add(1, new("platform", platform), new("kind", kind));

    public void ReplyExpired(string platform, string kind) => _repliesExpired.Add(1, new("platform", platform), new("kind", kind));

    public void Pruned(string kind, int count)
    {
        if (count > 0)
        {
            _pruned.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public void OutputObject(string result, int count = 1) => _outputObjects.Add(count, new KeyValuePair<string, object?>("result", result));

    public void StoreSize(long bytes) => Volatile.Write(ref _storeBytes, bytes);

    // Nothing until the first retention pass measured it.
    private IEnumerable<Measurement<long>> ObserveStoreBytes()
    {
        var bytes = Volatile.Read(ref _storeBytes);
        return bytes < 0 ? [] : [new Measurement<long>(bytes)];
    }

    public void Busy(int delta) => Interlocked.Add(ref _busy, delta);

    public void Queue(QueueStats stats)
    {
        Volatile.Write(ref _queued, stats.Queued);
        Volatile.Write(ref _running, stats.Running);
    }
}
