using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Codeur.Runner.Sandbox;

namespace Codeur.IntegrationTests.Sandbox;

/// <summary>
/// The probe suite: each test attacks one isolation property against the real engine and the real image, and
/// asserts the specific ending and side effects. It runs once per OCI runtime (<see cref="RuncSandboxProbeTests"/>,
/// <see cref="RunscSandboxProbeTests"/>); the runtime is set explicitly, so the verifier also checks the engine used it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public abstract partial class SandboxProbeTests(DockerFixture docker, string runtime)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private bool IsGVisor => runtime.StartsWith("runsc", StringComparison.Ordinal);

    [Fact]
    public async Task RunAsync_KernelSeenInside_IsTheRuntimes()
    {
        Require();
        using var project = new ProjectDirectory();
        var hostRelease = (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease", TestContext.Current.CancellationToken)).Trim();

        var result = await RunAsync(Options(), project, "uname", "-r");

        AssertEnding(SandboxEnding.Succeeded, result);
        if (IsGVisor)
        {
            // gVisor's own kernel answers the container's system calls, not the host's: it reports a fixed, old release.
            Assert.Equal("4.4.0\n", result.Output);
            Assert.NotEqual("4.4.0", hostRelease);
        }
        else
        {
            Assert.Equal(hostRelease + "\n", result.Output);
        }
    }

    [Theory]
    [InlineData("analyze")]
    [InlineData("search")]
    [InlineData("status")]
    [InlineData("run")]
    public async Task RunAsync_WriteIntoWorkspace_OnlyRunMayWrite(string command)
    {
        Require();
        using var project = new ProjectDirectory();
        await File.WriteAllTextAsync(project.Combine("existing.txt"), "original\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(project.Combine("existing.txt"), (UnixFileMode)0b110_110_110);
        const string script = """
            echo new > /workspace/created.txt && echo "created"
            echo changed > /workspace/existing.txt && echo "changed"
            rm -f /workspace/existing.txt && echo "removed"
            mkdir /workspace/.git-like && echo "mkdir"
            true
            """;

        var result = await RunAsync(Options(), project, ["bash", "-c", script], onOutput: null, command);

        AssertEnding(SandboxEnding.Succeeded, result);
        if (command == "run")
        {
            Assert.Equal("created\nchanged\nremoved\nmkdir\n", result.Output);
            Assert.Equal("new\n", await File.ReadAllTextAsync(project.Combine("created.txt"), TestContext.Current.CancellationToken));
            Assert.False(File.Exists(project.Combine("existing.txt")));
        }
        else
        {
            Assert.Contains("Read-only file system", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("created\n", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("changed\n", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("removed\n", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("mkdir\n", result.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(project.Combine("created.txt")));
            Assert.Equal("original\n", await File.ReadAllTextAsync(project.Combine("existing.txt"), TestContext.Current.CancellationToken));
            Assert.False(Directory.Exists(project.Combine(".git-like")));
        }
    }

    [Fact]
    public async Task RunAsync_EchoInProject_SucceedsInWorkspaceAndWritesThrough()
    {
        Require();
        using var project = new ProjectDirectory();
        await File.WriteAllTextAsync(project.Combine("input.txt"), "from host\n", TestContext.Current.CancellationToken);

        var result = await RunAsync(Options(), project, ["bash", "-c", "pwd; cat input.txt; echo edited > out.txt; id -u"], onOutput: null, command: "run");

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/workspace\nfrom host\n10001\n", result.Output);
        Assert.Equal("edited\n", await File.ReadAllTextAsync(project.Combine("out.txt"), TestContext.Current.CancellationToken));
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_BuiltInStatusOnHostileRepository_ReportsWithoutRunningRepoCode()
    {
        Require();
        using var project = new ProjectDirectory();
        await GitAsync(project.Path, "init", "-q", "-b", "main");
        await File.WriteAllTextAsync(project.Combine("README.md"), "hello\n", TestContext.Current.CancellationToken);
        await GitAsync(project.Path, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "README.md");
        await GitAsync(project.Path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first commit");
        // Repository-local config an attacker controls: fsmonitor and a hook that would leave a marker.
        await File.WriteAllTextAsync(project.Combine("pwn.sh"), "#!/bin/sh\ntouch /workspace/PWNED\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(project.Combine("pwn.sh"), (UnixFileMode)0b111_101_101);
        await GitAsync(project.Path, "config", "core.fsmonitor", "/workspace/pwn.sh");
        await GitAsync(project.Path, "config", "core.hooksPath", "/workspace");
        await File.WriteAllTextAsync(project.Combine("README.md"), "changed\n", TestContext.Current.CancellationToken);
        Assert.True(new SandboxCommands(new Dictionary<string, IReadOnlyList<string>>()).TryBuild("status", [], out var argv, out _));

        var result = await RunAsync(Options(), project, [.. argv]);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Contains("README.md", result.Output, StringComparison.Ordinal);
        Assert.Contains("first commit", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.Combine("PWNED")), "repository-controlled code ran inside the sandbox");
    }

    [Fact]
    public async Task RunAsync_NonZeroExit_EndsFailedWithExitCode()
    {
        Require();
        using var project = new ProjectDirectory();

        var result = await RunAsync(Options(), project, "bash", "-c", "echo oops >&2; exit 3");

        AssertEnding(SandboxEnding.Failed, result);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("oops\n", result.Output);
    }

    [Fact]
    public async Task RunAsync_ForkBomb_HeldAtPidsLimit()
    {
        Require();
        using var project = new ProjectDirectory();
        // Only builtins run after the bomb starts (no fork is possible then): wait, read, echo.
        const string script = """
            sleep 3 & s=$!
            ( b(){ b | b & }; b ) 2>/dev/null &
            wait $s
            d=/sys/fs/cgroup/pids; [ -d $d ] || d=/sys/fs/cgroup
            read max < $d/pids.max; read cur < $d/pids.current
            echo "pids max=$max current=$cur"
            """;
        var watch = Stopwatch.StartNew();

        // gVisor (ptrace platform) spends host threads of its own, about 40 idle and 9 per process: the limit must leave room.
        var result = await RunAsync(Options(pids: IsGVisor ? 256 : 64), project, "bash", "-c", script);

        watch.Stop();
        if (IsGVisor)
        {
            // The host's pids cgroup counts gVisor's own threads: when the bomb reaches the limit, gVisor's kernel cannot
            // create a thread and the whole sandbox ends (the Go runtime's exit code 2), bomb included, well before the deadline.
            AssertEnding(SandboxEnding.Failed, result);
            Assert.Equal(2, result.ExitCode);
            Assert.DoesNotContain("pids max=", result.Output, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TestTimeout / 2, $"took {watch.Elapsed}");
        }
        else
        {
            AssertEnding(SandboxEnding.Succeeded, result);
            var match = PidsLine().Match(result.Output);
            Assert.True(match.Success, result.Output);
            Assert.Equal("64", match.Groups["max"].Value);
            var current = int.Parse(match.Groups["current"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(current, 48, 64);
        }

        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_MemoryHog_EndsOomKilled()
    {
        Require();
        using var project = new ProjectDirectory();

        // tail buffers an endless line with no newline: memory grows until the cgroup OOM killer acts.
        var result = await RunAsync(Options(memory: "64m"), project, "tail", "/dev/zero");

        if (IsGVisor && result.Ending == SandboxEnding.Failed)
        {
            // gVisor's sentry enforces the cap too: when it kills the task before the host's OOM killer acts, the engine
            // sees a SIGKILL exit and no cgroup OOM (seen in 2 of 4 full runs here; 6 of 6 direct `docker run`s showed
            // OOMKilled). The cap held either way: the hog died of SIGKILL well before the deadline, and nobody else killed it.
            Assert.Equal(137, result.ExitCode);
        }
        else
        {
            AssertEnding(SandboxEnding.OomKilled, result);
            Assert.NotEqual(0, result.ExitCode);
        }

        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_SpinIgnoringSigterm_EndsTimedOutWithinDeadlinePlusTwoSeconds()
    {
        Require();
        using var project = new ProjectDirectory();
        // The deadline covers create and start too (about 1 s under gVisor on a loaded 2-core machine): leave the spin time to begin.
        var deadline = TimeSpan.FromSeconds(4);
        var watch = Stopwatch.StartNew();

        var result = await RunAsync(Options(timeout: deadline), project, "bash", "-c", "trap '' TERM INT; echo spinning; while :; do :; done");

        watch.Stop();
        AssertEnding(SandboxEnding.TimedOut, result);
        Assert.Equal("spinning\n", result.Output);
        Assert.Equal(137, result.ExitCode);
        TestContext.Current.TestOutputHelper?.WriteLine($"deadline {deadline.TotalSeconds} s -> result after {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(watch.Elapsed < deadline + TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_WriteToRootEtcUsr_Denied()
    {
        Require();
        using var project = new ProjectDirectory();
        const string script = """
            for d in / /etc /usr /usr/local/bin; do
              if (echo x > "$d/codeur-probe") 2>/dev/null; then echo "WROTE $d"; else echo "denied $d"; fi
            done
            """;

        var result = await RunAsync(Options(), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Equal("denied /\ndenied /etc\ndenied /usr\ndenied /usr/local/bin\n", result.Output);
    }

    [Fact]
    public async Task RunAsync_SymlinksToHostFiles_SeeOnlyContainerFiles()
    {
        Require();
        using var project = new ProjectDirectory();
        var secret = "host-secret-" + Guid.NewGuid().ToString("N");
        var markerDirectory = Directory.CreateTempSubdirectory("codeur-it-marker-").FullName;
        var marker = Path.Combine(markerDirectory, "marker.txt");
        await File.WriteAllTextAsync(marker, secret, TestContext.Current.CancellationToken);
        File.CreateSymbolicLink(project.Combine("leak"), marker);
        File.CreateSymbolicLink(project.Combine("shadow"), "/etc/shadow");
        Directory.CreateSymbolicLink(project.Combine("root"), "/");
        var hostShadow = await File.ReadAllTextAsync("/etc/shadow", TestContext.Current.CancellationToken);
        var hostShadowFirstLine = hostShadow.Split('\n')[0];

        try
        {
            var result = await RunAsync(Options(), project, "bash", "-c",
                $"cat leak; cat shadow; cat root{marker}; printf '%s\\n' root/*; cat root/etc/hostname; echo end");

            AssertEnding(SandboxEnding.Succeeded, result);
            Assert.DoesNotContain(secret, result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(hostShadowFirstLine, result.Output, StringComparison.Ordinal);
            Assert.Contains("No such file or directory", result.Output, StringComparison.Ordinal);
            Assert.Contains("workspace", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(Environment.MachineName + "\n", result.Output, StringComparison.Ordinal);
            Assert.Contains("end\n", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(markerDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_TcpToHostLoopbackAndBridgeGateway_Fails()
    {
        Require();
        using var project = new ProjectDirectory();
        using var loopback = new TcpListener(IPAddress.Loopback, 0);
        using var any = new TcpListener(IPAddress.Any, 0);
        loopback.Start();
        any.Start();
        var loopbackPort = ((IPEndPoint)loopback.LocalEndpoint).Port;
        var anyPort = ((IPEndPoint)any.LocalEndpoint).Port;
        var script = $"""
            for target in 127.0.0.1/{loopbackPort} 172.17.0.1/{anyPort}; do
              if (echo hi > /dev/tcp/$target) 2>/dev/null; then echo "CONNECTED $target"; else echo "blocked $target"; fi
            done
            """;

        var result = await RunAsync(Options(), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Equal($"blocked 127.0.0.1/{loopbackPort}\nblocked 172.17.0.1/{anyPort}\n", result.Output);
        Assert.False(loopback.Pending());
        Assert.False(any.Pending());
    }

    [Fact]
    public async Task RunAsync_ProcessCredentials_NoCapabilitiesNoNewPrivsNotRootNoDockerSocket()
    {
        Require();
        using var project = new ProjectDirectory();
        const string script = """
            grep -E '^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status
            for s in /var/run/docker.sock /run/docker.sock; do [ -e $s ] && echo "SOCKET $s" || echo "absent $s"; done
            sleep 2
            """;
        var taskId = "probe-" + Guid.NewGuid().ToString("N")[..12];
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new SandboxRequest(taskId, project.Path, ["bash", "-c", script], OnOutput: (_, _, _) =>
        {
            running.TrySetResult();
            return ValueTask.CompletedTask;
        });

        var run = docker.Executor(Options()).RunAsync(request, TestContext.Current.CancellationToken);
        await Task.WhenAny(running.Task, run).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        // The host side of the container while it runs: under gVisor, the sandbox process that serves its system calls.
        var container = Assert.Single(await docker.Runtime.ListByLabelAsync(SandboxLabels.Task, taskId, TestContext.Current.CancellationToken));
        var pid = (await docker.Runtime.InspectAsync(container.ID, TestContext.Current.CancellationToken)).State!.Pid;
        var hostStatus = await File.ReadAllTextAsync($"/proc/{pid}/status", TestContext.Current.CancellationToken);
        var result = await run.WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Matches(@"(?m)^Uid:\s+10001\s+10001\s+10001\s+10001$", result.Output);
        Assert.Matches(@"(?m)^CapEff:\s+0000000000000000$", result.Output);
        Assert.Matches(@"(?m)^CapPrm:\s+0000000000000000$", result.Output);
        Assert.Matches(@"(?m)^CapBnd:\s+0000000000000000$", result.Output);
        Assert.Contains("absent /var/run/docker.sock\nabsent /run/docker.sock\n", result.Output, StringComparison.Ordinal);
        if (IsGVisor)
        {
            // gVisor's /proc does not report NoNewPrivs; its sandbox process on the host runs unprivileged (nobody), with
            // no_new_privs and a seccomp filter, so even an escape from gVisor's kernel lands there.
            Assert.DoesNotContain("NoNewPrivs", result.Output, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^Uid:\s+65534\s+65534\s+65534\s+65534$", hostStatus);
            Assert.Matches(@"(?m)^NoNewPrivs:\s+1$", hostStatus);
            Assert.Matches(@"(?m)^Seccomp:\s+2$", hostStatus);
        }
        else
        {
            // runc: the container's first process is the host process (docker-init, uid 10001 like its children).
            Assert.Matches(@"(?m)^NoNewPrivs:\s+1$", result.Output);
            Assert.Matches(@"(?m)^Uid:\s+10001\s+10001\s+10001\s+10001$", hostStatus);
            Assert.Matches(@"(?m)^NoNewPrivs:\s+1$", hostStatus);
            Assert.Matches(@"(?m)^CapEff:\s+0000000000000000$", hostStatus);
        }
    }

    [Fact]
    public async Task RunAsync_OutputFlood_EndsOutputLimitWithCappedCapture()
    {
        Require();
        using var project = new ProjectDirectory();
        const long limit = 64 * 1024;
        var streamed = 0L;

        var result = await RunAsync(Options(outputLimit: limit), project, ["yes", "flood"], onOutput: (_, chunk, _) =>
        {
            Interlocked.Add(ref streamed, chunk.Length);
            return ValueTask.CompletedTask;
        });

        AssertEnding(SandboxEnding.OutputLimit, result);
        Assert.True(result.OutputTruncated);
        Assert.True(result.OutputBytes > limit);
        Assert.Equal((int)limit, result.Output.Length);
        Assert.StartsWith("flood\nflood\n", result.Output, StringComparison.Ordinal);
        Assert.InRange(Interlocked.Read(ref streamed), 1, limit + (16 * 1024));
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_FillTmp_StopsAtCapAndTmpIsNoexec()
    {
        Require();
        using var project = new ProjectDirectory();
        const string script = """
            cp /usr/bin/true /tmp/t && /tmp/t 2>/dev/null; echo "exec=$?"; rm -f /tmp/t
            head -c 50000000 /dev/zero > /tmp/fill 2>/dev/null; echo "rc=$?"
            echo "size=$(wc -c < /tmp/fill)"
            """;

        var result = await RunAsync(Options(tmpSize: 8 << 20), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.DoesNotContain("rc=0", result.Output, StringComparison.Ordinal);
        var size = long.Parse(SizeLine().Match(result.Output).Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(size, 1, 8 << 20);
        Assert.Contains("exec=126", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsWithinOneSecondAndEndsCancelled()
    {
        Require();
        using var project = new ProjectDirectory();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = docker.Executor(Options());
        var request = new SandboxRequest("cancel-" + Guid.NewGuid().ToString("N")[..8], project.Path, ["bash", "-c", "trap '' TERM; echo ready; while :; do :; done"],
            OnOutput: (_, _, _) =>
            {
                started.TrySetResult();
                return ValueTask.CompletedTask;
            });

        var run = executor.RunAsync(request, cancel.Token);
        await Task.WhenAny(started.Task, run).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        Assert.False(run.IsCompleted, "the task ended before it was cancelled");
        var watch = Stopwatch.StartNew();
        await cancel.CancelAsync();
        var result = await run.WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        watch.Stop();

        AssertEnding(SandboxEnding.Cancelled, result);
        Assert.Equal(137, result.ExitCode);
        TestContext.Current.TestOutputHelper?.WriteLine($"cancel -> result (kill, wait, inspect, remove): {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"kill + remove took {watch.Elapsed}");
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task CheckHealthAsync_RealEngine_Healthy()
    {
        Require();
        var check = new DockerHealthCheck(docker.Runtime);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext
        {
            Registration = new("docker", check, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, null),
        };

        var result = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task RunAsync_ImageMissing_ThrowsWithBuildInstructions()
    {
        Require();
        using var project = new ProjectDirectory();
        var executor = docker.Executor(Options(image: "codeur/does-not-exist:latest"));

        var error = await Assert.ThrowsAsync<SandboxImageMissingException>(() =>
            executor.RunAsync(new SandboxRequest("missing-image", project.Path, ["true"]), TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken));

        Assert.Contains("deploy/sandbox/build-offline.sh", error.Message, StringComparison.Ordinal);
        Assert.Contains("docker build", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ForbiddenProject_RejectedWithoutContainer()
    {
        Require();
        var executor = docker.Executor(Options());

        var result = await executor.RunAsync(new SandboxRequest("forbidden", "/etc", ["true"]), TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        AssertEnding(SandboxEnding.Rejected, result);
        Assert.Contains("forbidden path '/etc'", result.Error, StringComparison.Ordinal);
        Assert.Null(result.ContainerId);
    }

    private void Require() => docker.RequireRuntime(runtime);

    private SandboxOptions Options(long? pids = null, string memory = "256m", long outputLimit = 1 << 20, long tmpSize = 16 << 20, string? image = null, TimeSpan? timeout = null) =>
        docker.Options(pids: pids ?? (IsGVisor ? 512 : 128), memory: memory, outputLimit: outputLimit, tmpSize: tmpSize, image: image, timeout: timeout, runtime: runtime);

    private async Task<SandboxResult> RunAsync(SandboxOptions options, ProjectDirectory project, params string[] argv) =>
        await RunAsync(options, project, argv, onOutput: null);

    private async Task<SandboxResult> RunAsync(
        SandboxOptions options,
        ProjectDirectory project,
        string[] argv,
        Func<OutputStreamKind, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? onOutput,
        string? command = null)
    {
        var executor = docker.Executor(options);
        var request = new SandboxRequest("probe-" + Guid.NewGuid().ToString("N")[..12], project.Path, argv, OnOutput: onOutput, Command: command);
        return await executor.RunAsync(request, TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
    }

    private static async Task GitAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        await git.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {await git.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
    }

    private static void AssertEnding(SandboxEnding expected, SandboxResult result) =>
        Assert.True(result.Ending == expected, $"expected {expected}, got {result.Ending} (exit {result.ExitCode}): {result.Error}\n{result.Output}");

    private async Task AssertNoContainerLeftAsync()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var left = await docker.Runtime.ListByLabelAsync(SandboxLabels.Runner, docker.InstanceId, cts.Token);
        // Tests in the collection run one at a time, so anything carrying our label now is a leak.
        Assert.Empty(left);
    }

    [GeneratedRegex(@"pids max=(?<max>\d+) current=(?<current>\d+)")]
    private static partial Regex PidsLine();

    [GeneratedRegex(@"size=(?<size>\d+)")]
    private static partial Regex SizeLine();
}
