// Retention soak: tasks flow through the real store (enqueue, claim, begin, complete with an output) while the real
// RetentionService prunes on short periods, and the store's size is sampled every few seconds. The same run has a
// baseline arm with retention off. Usage: RetentionSoak BACKEND SECONDS OUTPUT_KIB DIR [REDIS_CONNECTION]
// (SOAK_BATCH sets queue.retention.batch, default 500).
using System.Diagnostics;
using System.Globalization;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

var backend = args[0];
var seconds = int.Parse(args[1], CultureInfo.InvariantCulture);
var output = new string('o', int.Parse(args[2], CultureInfo.InvariantCulture) * 1024);
var directory = args[3];
var redis = args.Length > 4 ? args[4] : null;
const int Producers = 4;
var batch = int.Parse(Environment.GetEnvironmentVariable("SOAK_BATCH") ?? "500", CultureInfo.InvariantCulture);
var sample = TimeSpan.FromSeconds(Math.Max(2, seconds / 12));

Console.WriteLine("arm,elapsed_s,tasks_done,store_bytes,wal_bytes");
var summaries = new List<string>();
foreach (var arm in new[] { "off", "on" })
{
    var retention = arm == "on"
        ? new RetentionSection { Tasks = "20s", Outputs = "8s", DedupeKeys = "8s", Interval = "2s", Batch = batch }
        : new RetentionSection { Tasks = "0", Outputs = "0", DedupeKeys = "0", Interval = "1h" };
    var queueSection = new QueueSection
    {
        Backend = backend,
        Path = Path.Combine(directory, $"soak-{arm}.db"),
        Connection = redis,
        Capacity = 1_000_000,
        Retention = retention,
    };
    var config = new AgentConfig { Webhook = new WebhookSection { Queue = queueSection } };
    await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    var metrics = new RunnerMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), config);
    object store = backend == "sqlite"
        ? new SqliteTaskQueue(queueSection, TimeProvider.System, NullLogger<SqliteTaskQueue>.Instance)
        : new RedisTaskQueue(queueSection, TimeProvider.System, NullLogger<RedisTaskQueue>.Instance, prefix: $"{{soak-{arm}-{Guid.NewGuid():N}}}");
    var queue = (ITaskQueue)store;
    var pruner = new RetentionService((ITaskRetention)store, services, metrics, config, TimeProvider.System, NullLogger<RetentionService>.Instance);
    await queue.PingAsync(CancellationToken.None);
    var baseBytes = await ((ITaskRetention)store).SizeAsync(CancellationToken.None);
    await pruner.StartAsync(CancellationToken.None);

    long done = 0;
    var latencies = new List<double>[Producers];
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var clock = Stopwatch.StartNew();
    var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
    {
        latencies[p] = [];
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var enqueue = Stopwatch.StartNew();
            var task = (await queue.EnqueueAsync(new NewTask
            {
                Platform = "github",
                Command = "analyze",
                Project = $"p{p}",
                ProjectPath = $"/srv/p{p}",
                Requester = "soak",
                DedupeKey = $"{arm}-{p}-{n++}",
            }, CancellationToken.None)).Task!;
            latencies[p].Add(enqueue.Elapsed.TotalMilliseconds);
            var claimed = await queue.ClaimNextAsync($"soak-{p}", CancellationToken.None);
            if (claimed is null)
            {
                continue;
            }

            await queue.BeginAsync(claimed.Id, CancellationToken.None);
            await queue.CompleteAsync(claimed.Id, new TaskOutcome(TaskState.Succeeded, 0, output, null), CancellationToken.None);
            Interlocked.Increment(ref done);
        }
    })).ToArray();

    var sizes = new List<long>();
    while (!stop.IsCancellationRequested)
    {
        try
        {
            await Task.Delay(sample, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        var size = await ((ITaskRetention)store).SizeAsync(CancellationToken.None) - baseBytes;
        sizes.Add(size);
        var wal = new FileInfo(queueSection.Path + "-wal") is { Exists: true } file ? file.Length : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{arm},{clock.Elapsed.TotalSeconds:0},{Interlocked.Read(ref done)},{size},{wal}"));
    }

    await Task.WhenAll(producers);
    await pruner.StopAsync(CancellationToken.None);
    var all = latencies.SelectMany(l => l).Order().ToArray();
    double Percentile(double p) => all[Math.Min(all.Length - 1, (int)(p * all.Length))];
    var half = sizes[sizes.Count / 2];
    summaries.Add(string.Create(CultureInfo.InvariantCulture,
        $"{arm} (batch {batch}): {done} tasks in {seconds} s ({done / (double)seconds:0}/s), store {half / 1048576.0:0.0} MiB at half time -> {sizes[^1] / 1048576.0:0.0} MiB at the end, peak {sizes.Max() / 1048576.0:0.0} MiB; enqueue p50 {Percentile(0.5):0.00} ms, p99 {Percentile(0.99):0.00} ms, max {all[^1]:0.0} ms"));
    if (store is IAsyncDisposable disposable)
    {
        await disposable.DisposeAsync();
    }
}

foreach (var line in summaries)
{
    Console.Error.WriteLine(line);
}
