using System.Diagnostics;
using System.Globalization;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

// Per-task overhead of one sandbox cycle (create, verify, attach, start, wait, inspect, remove) for `true`,
// through our engine versus `docker run --rm` with the same flags; then the same cycle and a small real task
// (`codeur-tool status` on a small git repository) under runc and under gVisor (runsc), when the engine has it.
// Arms alternate every round so drift in the engine (page cache, cgroup setup) hits all equally.
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var image = args.Length > 1 ? args[1] : "codeur/sandbox:latest";
var gvisor = args.Length > 2 ? args[2] : "runsc";
var project = Directory.CreateTempSubdirectory("codeur-bench-").FullName;
var options = new SandboxOptions { Image = image, InstanceId = "codeur-bench", Timeout = TimeSpan.FromSeconds(60) };
using var runtime = new DockerContainerRuntime(options, TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);
var executor = new SandboxExecutor(runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(), TimeProvider.System, NullLogger<SandboxExecutor>.Instance);
var cliArgs = CliArguments(options, project);
var registered = (await runtime.GetRuntimesAsync(CancellationToken.None)).Registered;

Console.WriteLine($"rounds={rounds} image={image} project={project}");
Console.WriteLine($"cli: docker {string.Join(' ', cliArgs)}");
await OursAsync("warmup");
await CliAsync("warmup");

var ours = new List<double>(rounds);
var cli = new List<double>(rounds);
for (var i = 0; i < rounds; i++)
{
    var id = $"bench-{i}";
    if (i % 2 == 0)
    {
        ours.Add(await OursAsync(id));
        cli.Add(await CliAsync(id));
    }
    else
    {
        cli.Add(await CliAsync(id));
        ours.Add(await OursAsync(id));
    }
}

var oursMedian = Median(ours);
var cliMedian = Median(cli);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours  median {oursMedian,7:0.0} ms  min {ours.Min(),7:0.0}  max {ours.Max(),7:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cli   median {cliMedian,7:0.0} ms  min {cli.Min(),7:0.0}  max {cli.Max(),7:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio ours/cli {oursMedian / cliMedian:0.00}"));

if (!registered.ContainsKey(gvisor))
{
    Console.WriteLine($"runtime '{gvisor}' not registered with the engine: no runc/runsc comparison (deploy/ensure-runsc.sh registers it)");
    Directory.Delete(project);
    return 0;
}

// runc vs gVisor, same run: the bare cycle (`true`) and a small task (status of a 20-file git repository, read-only).
var repository = Directory.CreateTempSubdirectory("codeur-bench-repo-").FullName;
await GitRepositoryAsync(repository);
var arms = new (string Name, string Runtime, string Path, string[] Argv, string Command)[]
{
    ("cycle runc ", "runc", project, ["true"], "status"),
    ($"cycle {gvisor}", gvisor, project, ["true"], "status"),
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
Directory.Delete(project);
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

async Task<double> OursAsync(string id)
{
    var watch = Stopwatch.StartNew();
    var result = await executor.RunAsync(new SandboxRequest("ours-" + id, project, ["true"]), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
    watch.Stop();
    if (result.Ending != SandboxEnding.Succeeded)
    {
        throw new InvalidOperationException($"our run ended {result.Ending}: {result.Error}");
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
        "--mount", $"type=bind,source={project},target={SandboxOptions.WorkspacePath},readonly,bind-propagation=rprivate",
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
