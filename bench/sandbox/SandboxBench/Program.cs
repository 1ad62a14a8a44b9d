using System.Diagnostics;
using System.Globalization;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Hosting;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

// Per-task overhead of one sandbox cycle (create, verify, attach, start, wait, inspect, remove) for `true`,
// through our engine versus `docker run --rm` with the same flags, and our engine through the engine broker
// (engine-broker/, as compose and Helm deploy it) versus straight to the engine socket. Arms rotate every round so
// drift in the engine (page cache, cgroup setup) hits all of them equally. Then the same cycle and a small real task
// (`codeur-tool status` on a small git repository) under runc and under gVisor (runsc), when the engine has it.
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var image = args.Length > 1 ? args[1] : "codeur/sandbox:latest";
var gvisor = args.Length > 2 ? args[2] : "runsc";
// The broker requires the API version in the path: both of our arms pin the same one, as compose and Helm do.
Environment.SetEnvironmentVariable("DOCKER_API_VERSION", Environment.GetEnvironmentVariable("DOCKER_API_VERSION") ?? "1.41");
var root = Directory.CreateTempSubdirectory("codeur-bench-").FullName;
var project = Directory.CreateDirectory(Path.Combine(root, "project")).FullName;
var options = new SandboxOptions { Image = image, InstanceId = "codeur-bench", Timeout = TimeSpan.FromSeconds(60) };
using var runtime = new DockerContainerRuntime(options, TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);
var executor = new SandboxExecutor(runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(), TimeProvider.System, NullLogger<SandboxExecutor>.Instance);
var cliArgs = CliArguments(options, project);

var brokerSocket = Path.Combine(root, "broker.sock");
await using var broker = BrokerApplication.Build(["--Logging:LogLevel:Default=Warning"], new BrokerOptions
{
    Listen = ["unix:" + brokerSocket],
    RunnerId = options.InstanceId,
    Images = [image],
    ProjectsRoots = [root],
});
await broker.StartAsync();
var brokered = new SandboxOptions { Image = image, InstanceId = options.InstanceId, Timeout = options.Timeout, DockerEndpoint = new Uri("unix://" + brokerSocket) };
using var brokerRuntime = new DockerContainerRuntime(brokered, TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);
var brokerExecutor = new SandboxExecutor(brokerRuntime, new ContainerSpecBuilder(brokered), new ProjectPathGuard(brokered), new SandboxTaskRegistry(), TimeProvider.System, NullLogger<SandboxExecutor>.Instance);

Console.WriteLine($"rounds={rounds} image={image} project={project}");
Console.WriteLine($"cli: docker {string.Join(' ', cliArgs)}");
await OursAsync("warmup");
await CliAsync("warmup");
await OursAsync("warmup", brokerExecutor, "broker");

var ours = new List<double>(rounds);
var cli = new List<double>(rounds);
var viaBroker = new List<double>(rounds);
Func<string, Task>[] arms =
[
    async id => ours.Add(await OursAsync(id)),
    async id => cli.Add(await CliAsync(id)),
    async id => viaBroker.Add(await OursAsync(id, brokerExecutor, "broker")),
];
for (var i = 0; i < rounds; i++)
{
    for (var a = 0; a < arms.Length; a++)
    {
        await arms[(i + a) % arms.Length]($"bench-{i}");
    }
}

// The cycle's spread (hundreds of ms of container start) hides a few ms. So also time the broker's own cost per
// request: inspects of one container, direct and through the broker, alternated.
var probe = new ContainerSpecBuilder(brokered).Build("probe", project, ["true"], DateTimeOffset.UtcNow.AddMinutes(5));
var probeId = await brokerRuntime.CreateAsync(probe, CancellationToken.None);
var inspectDirect = new List<double>();
var inspectBroker = new List<double>();
for (var i = 0; i < 200; i++)
{
    foreach (var (client, into) in i % 2 == 0 ? new[] { (runtime, inspectDirect), (brokerRuntime, inspectBroker) } : [(brokerRuntime, inspectBroker), (runtime, inspectDirect)])
    {
        var watch = Stopwatch.StartNew();
        await client.InspectAsync(probeId, CancellationToken.None);
        into.Add(watch.Elapsed.TotalMilliseconds);
    }
}

await runtime.RemoveAsync(probeId, CancellationToken.None);
await broker.StopAsync();
Directory.Delete(root, recursive: true);
var oursMedian = Median(ours);
var cliMedian = Median(cli);
var brokerMedian = Median(viaBroker);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours    median {oursMedian,7:0.0} ms  min {ours.Min(),7:0.0}  max {ours.Max(),7:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cli     median {cliMedian,7:0.0} ms  min {cli.Min(),7:0.0}  max {cli.Max(),7:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"broker  median {brokerMedian,7:0.0} ms  min {viaBroker.Min(),7:0.0}  max {viaBroker.Max(),7:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio ours/cli {oursMedian / cliMedian:0.00}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"broker adds {brokerMedian - oursMedian:0.0} ms per cycle (median broker - median direct; goal <= 10 ms)"));
// Each round runs both arms back to back, so the per-round difference cancels most of the engine's drift.
var paired = Median([.. viaBroker.Zip(ours, (b, d) => b - d)]);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"broker adds {paired:0.0} ms per cycle (median of per-round differences)"));
var perCall = Median(inspectBroker) - Median(inspectDirect);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inspect direct median {Median(inspectDirect):0.00} ms, through the broker {Median(inspectBroker):0.00} ms: {perCall:0.00} ms per call"));
// A cycle is 7 calls through the broker (create, inspect, attach, start, wait, inspect, remove).
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"broker adds {perCall * 7:0.0} ms per cycle (7 calls x per-call cost; goal <= 10 ms)"));
var registered = (await runtime.GetRuntimesAsync(CancellationToken.None)).Registered;
var gvisorProject = Directory.CreateTempSubdirectory("codeur-bench-").FullName;
if (!registered.ContainsKey(gvisor))
{
    Console.WriteLine($"runtime '{gvisor}' not registered with the engine: no runc/runsc comparison (deploy/ensure-runsc.sh registers it)");
    Directory.Delete(gvisorProject);
    return 0;
}

// runc vs gVisor, same run: the bare cycle (`true`) and a small task (status of a 20-file git repository, read-only).
var repository = Directory.CreateTempSubdirectory("codeur-bench-repo-").FullName;
await GitRepositoryAsync(repository);
var arms = new (string Name, string Runtime, string Path, string[] Argv, string Command)[]
{
    ("cycle runc ", "runc", gvisorProject, ["true"], "status"),
    ($"cycle {gvisor}", gvisor, gvisorProject, ["true"], "status"),
    ("status runc ", "runc", repository, ["codeur-tool", "status"], "status"),
    ($"status {gvisor}", gvisor, repository, ["codeur-tool", "status"], "status"),
};
var executors = arms.Select(arm =>
{
    var armOptions = new SandboxOptions { Image = image, InstanceId = "codeur-bench", Timeout = TimeSpan.FromSeconds(60), Runtime = arm.Runtime };
    return new SandboxExecutor(runtime, new ContainerSpecBuilder(armOptions), new ProjectPathGuard(armOptions), new SandboxTaskRegistry(), TimeProvider.System, NullLogger<SandboxExecutor>.Instance);
}).ToArray();
var samples = arms.Select(_ => new List<double>(rounds)).ToArray();
for (var a = 0; a < arms.Length; a++)
{
    await TimeAsync(executors[a], arms[a], "warmup");
}

for (var i = 0; i < rounds; i++)
{
    // Rotate the starting arm each round.
    for (var k = 0; k < arms.Length; k++)
    {
        var a = (i + k) % arms.Length;
        samples[a].Add(await TimeAsync(executors[a], arms[a], $"r{i}"));
    }
}

Console.WriteLine();
Console.WriteLine("runc vs gVisor (same run, arms rotated each round):");
for (var a = 0; a < arms.Length; a++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{arms[a].Name,-14} median {Median(samples[a]),7:0.0} ms  min {samples[a].Min(),7:0.0}  max {samples[a].Max(),7:0.0}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio cycle  {gvisor}/runc {Median(samples[1]) / Median(samples[0]):0.00}  (+{Median(samples[1]) - Median(samples[0]):0} ms)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio status {gvisor}/runc {Median(samples[3]) / Median(samples[2]):0.00}  (+{Median(samples[3]) - Median(samples[2]):0} ms)"));
Directory.Delete(gvisorProject);
Directory.Delete(repository, recursive: true);
return 0;

static async Task<double> TimeAsync(SandboxExecutor executor, (string Name, string Runtime, string Path, string[] Argv, string Command) arm, string id)
{
    var watch = Stopwatch.StartNew();
    var result = await executor.RunAsync(new SandboxRequest($"{arm.Runtime}-{arm.Argv[0]}-{id}", arm.Path, arm.Argv, Command: arm.Command), CancellationToken.None)
        .WaitAsync(TimeSpan.FromSeconds(60));
    watch.Stop();
    if (result.Ending != SandboxEnding.Succeeded)
    {
        throw new InvalidOperationException($"{arm.Name} ended {result.Ending}: {result.Error} {result.Output}");
    }

    return watch.Elapsed.TotalMilliseconds;
}

static async Task GitRepositoryAsync(string path)
{
    for (var i = 0; i < 20; i++)
    {
        await File.WriteAllTextAsync(Path.Combine(path, $"file{i}.py"), $"def f{i}(x):\n    return x + {i}\n");
    }

    foreach (var args in new[] { new[] { "init", "-q", "-b", "main" }, ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@localhost", "commit", "-qm", "bench"] })
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = path };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        await git.WaitForExitAsync();
    }

    await File.AppendAllTextAsync(Path.Combine(path, "file0.py"), "# changed\n");
    using var chmod = Process.Start("chmod", ["-R", "a+rwX", path]);
    await chmod.WaitForExitAsync();
}

async Task<double> OursAsync(string id, SandboxExecutor? through = null, string arm = "ours")
{
    var watch = Stopwatch.StartNew();
    var result = await (through ?? executor).RunAsync(new SandboxRequest(arm + "-" + id, project, ["true"]), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
    watch.Stop();
    if (result.Ending != SandboxEnding.Succeeded)
    {
        throw new InvalidOperationException($"{arm} run ended {result.Ending}: {result.Error}");
    }

    return watch.Elapsed.TotalMilliseconds;
}

async Task<double> CliAsync(string id)
{
    var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var arg in cliArgs)
    {
        start.ArgumentList.Add(arg.Replace("{id}", id, StringComparison.Ordinal));
    }

    var watch = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var stderr = process.StandardError.ReadToEndAsync();
    await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    watch.Stop();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"docker run failed ({process.ExitCode}): {await stderr}");
    }

    return watch.Elapsed.TotalMilliseconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

// The same container the engine builds, flag for flag (see ContainerSpecBuilder).
static string[] CliArguments(SandboxOptions o, string project)
{
    var s = (long v) => v.ToString(CultureInfo.InvariantCulture);
    return
    [
        "run", "--rm",
        "--user", o.User, "--workdir", SandboxOptions.WorkspacePath, "--entrypoint", "true",
        "-e", "HOME=/tmp", "-e", "CODEUR_TASK_ID=cli-{id}",
        "--label", $"codeur.runner={o.InstanceId}", "--label", "codeur.task=cli-{id}",
        "--mount", $"type=bind,source={project},target={SandboxOptions.WorkspacePath},bind-propagation=rprivate",
        "--tmpfs", "/tmp:" + ContainerSpecBuilder.TmpfsOptions(o.TmpSizeBytes),
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only",
        "--memory", s(o.MemoryBytes), "--memory-swap", s(o.MemoryBytes),
        "--cpus", (o.NanoCpus / 1e9).ToString(CultureInfo.InvariantCulture), "--pids-limit", s(o.PidsLimit),
        "--ulimit", $"nofile={s(o.Nofile)}:{s(o.Nofile)}", "--ulimit", "core=0:0",
        "--ulimit", $"fsize={s(o.MaxFileSizeBytes)}:{s(o.MaxFileSizeBytes)}",
        "--network", "none", "--ipc", "private", "--cgroupns", "private", "--init", "--restart", "no",
        "--log-driver", "json-file", "--log-opt", $"max-size={o.LogMaxSize}", "--log-opt", "max-file=1",
        o.Image,
    ];
}
