// What storage.s3 costs and saves: TASKS tasks end with an output of OUTPUT_KIB through the real SQLite store, once
// with every output inline (the baseline) and once through OutputStorage to a real S3 server, in the same run. Prints
// the time to record an ending (upload + store write), p50/p99, and the store file's size afterwards.
// Usage: StorageBench TASKS OUTPUT_KIB DIR ENDPOINT BUCKET (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
using System.Diagnostics;
using System.Globalization;
using Codeur.Configuration;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

var tasks = int.Parse(args[0], CultureInfo.InvariantCulture);
var kib = int.Parse(args[1], CultureInfo.InvariantCulture);
var directory = args[2];
var endpoint = args[3];
var bucket = args[4];
var line = "bench output line with some text to make it look like a log 0123456789\n";
var output = string.Concat(Enumerable.Repeat(line, kib * 1024 / line.Length + 1))[..(kib * 1024)];

Console.WriteLine("arm,tasks,output_kib,end_p50_ms,end_p99_ms,end_max_ms,store_bytes,objects");
foreach (var arm in new[] { "inline", "s3" })
{
    var queueSection = new QueueSection { Path = Path.Combine(directory, $"bench-{arm}.db"), Capacity = 1_000_000 };
    var s3 = arm == "s3"
        ? new S3StorageSection { Endpoint = endpoint, Bucket = bucket, Prefix = $"bench-{Guid.NewGuid():N}/", PathStyle = true, Threshold = "1k" }
        : null;
    var config = new AgentConfig { Webhook = new WebhookSection { Queue = queueSection, Storage = new StorageSection { S3 = s3 } } };
    var collection = new ServiceCollection().AddMetrics().AddLogging();
    collection.AddSingleton(config);
    collection.AddSingleton<RunnerMetrics>();
    collection.AddOutputStorage(config);
    await using var services = collection.BuildServiceProvider();
    var storage = services.GetRequiredService<OutputStorage>();
    await using var queue = new SqliteTaskQueue(queueSection, TimeProvider.System, NullLogger<SqliteTaskQueue>.Instance);
    await queue.InitializeAsync(CancellationToken.None);

    var latencies = new List<double>(tasks);
    var objects = 0;
    for (var i = 0; i < tasks; i++)
    {
        var task = (await queue.EnqueueAsync(new NewTask
        {
            Platform = "api", Command = "run", Args = ["bench"], Project = "p" + (i % 8), ProjectPath = "/srv/p", Requester = "bench",
        }, CancellationToken.None)).Task!;
        await queue.ClaimNextAsync("bench", CancellationToken.None);
        await queue.BeginAsync(task.Id, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var outcome = await storage.OffloadAsync(task.Id, new TaskOutcome(TaskState.Succeeded, 0, output, null), CancellationToken.None);
        await queue.CompleteAsync(task.Id, outcome, CancellationToken.None);
        latencies.Add(clock.Elapsed.TotalMilliseconds);
        objects += outcome.OutputObject is null ? 0 : 1;
    }

    await queue.ReclaimAsync(CancellationToken.None);
    var size = await queue.SizeAsync(CancellationToken.None);
    latencies.Sort();
    double At(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{arm},{tasks},{kib},{At(0.5):0.00},{At(0.99):0.00},{latencies[^1]:0.00},{size},{objects}"));
}
