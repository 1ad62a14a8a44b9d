using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Codeur.Runner.Sandbox;

namespace Codeur.IntegrationTests.Sandbox;

/// <summary>
/// The probe suite: each test attacks one isolation property against the real engine and the real image, and
/// asserts the specific ending and side effects.
/// </summary>
[Collection(DockerCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SandboxProbeTests(DockerFixture docker)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_EchoInProject_SucceedsInWorkspaceAndWritesThrough()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        await File.WriteAllTextAsync(project.Combine("input.txt"), "from host\n", TestContext.Current.CancellationToken);

        var result = await RunAsync(docker.Options(), project, "bash", "-c", "pwd; cat input.txt; echo edited > out.txt; id -u");

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/workspace\nfrom host\n10001\n", result.Output);
        Assert.Equal("edited\n", await File.ReadAllTextAsync(project.Combine("out.txt"), TestContext.Current.CancellationToken));
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_BuiltInStatusOnHostileRepository_ReportsWithoutRunningRepoCode()
    {
        docker.RequireDocker();
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

        var result = await RunAsync(docker.Options(), project, [.. argv]);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Contains("README.md", result.Output, StringComparison.Ordinal);
        Assert.Contains("first commit", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.Combine("PWNED")), "repository-controlled code ran inside the sandbox");
    }

    [Fact]
    public async Task RunAsync_NonZeroExit_EndsFailedWithExitCode()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();

        var result = await RunAsync(docker.Options(), project, "bash", "-c", "echo oops >&2; exit 3");

        AssertEnding(SandboxEnding.Failed, result);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("oops\n", result.Output);
    }

    [Fact]
    public async Task RunAsync_ForkBomb_HeldAtPidsLimit()
    {
        docker.RequireDocker();
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

        var result = await RunAsync(docker.Options(pids: 64), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        var match = PidsLine().Match(result.Output);
        Assert.True(match.Success, result.Output);
        Assert.Equal("64", match.Groups["max"].Value);
        var current = int.Parse(match.Groups["current"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(current, 48, 64);
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_MemoryHog_EndsOomKilled()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();

        // tail buffers an endless line with no newline: memory grows until the cgroup OOM killer acts.
        var result = await RunAsync(docker.Options(memory: "64m"), project, "tail", "/dev/zero");

        AssertEnding(SandboxEnding.OomKilled, result);
        Assert.NotEqual(0, result.ExitCode);
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_SpinIgnoringSigterm_EndsTimedOutWithinDeadlinePlusTwoSeconds()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        var deadline = TimeSpan.FromSeconds(2);
        var watch = Stopwatch.StartNew();

        var result = await RunAsync(docker.Options(timeout: deadline), project, "bash", "-c", "trap '' TERM INT; while :; do :; done");

        watch.Stop();
        AssertEnding(SandboxEnding.TimedOut, result);
        Assert.Equal(137, result.ExitCode);
        TestContext.Current.TestOutputHelper?.WriteLine($"deadline {deadline.TotalSeconds} s -> result after {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(watch.Elapsed < deadline + TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        await AssertNoContainerLeftAsync();
    }

    [Fact]
    public async Task RunAsync_WriteToRootEtcUsr_Denied()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        const string script = """
            for d in / /etc /usr /usr/local/bin; do
              if (echo x > "$d/codeur-probe") 2>/dev/null; then echo "WROTE $d"; else echo "denied $d"; fi
            done
            """;

        var result = await RunAsync(docker.Options(), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Equal("denied /\ndenied /etc\ndenied /usr\ndenied /usr/local/bin\n", result.Output);
    }

    [Fact]
    public async Task RunAsync_SymlinksToHostFiles_SeeOnlyContainerFiles()
    {
        docker.RequireDocker();
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
            var result = await RunAsync(docker.Options(), project, "bash", "-c",
                $"cat leak; cat shadow; cat root{marker}; ls root/; cat root/etc/hostname; echo end");

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
        docker.RequireDocker();
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

        var result = await RunAsync(docker.Options(), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Equal($"blocked 127.0.0.1/{loopbackPort}\nblocked 172.17.0.1/{anyPort}\n", result.Output);
        Assert.False(loopback.Pending());
        Assert.False(any.Pending());
    }

    [Fact]
    public async Task RunAsync_ProcessCredentials_NoCapabilitiesNoNewPrivsNotRootNoDockerSocket()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        const string script = """
            grep -E '^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status
            for s in /var/run/docker.sock /run/docker.sock; do [ -e $s ] && echo "SOCKET $s" || echo "absent $s"; done
            """;

        var result = await RunAsync(docker.Options(), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.Matches(@"(?m)^Uid:\s+10001\s+10001\s+10001\s+10001$", result.Output);
        Assert.Matches(@"(?m)^CapEff:\s+0000000000000000$", result.Output);
        Assert.Matches(@"(?m)^CapPrm:\s+0000000000000000$", result.Output);
        Assert.Matches(@"(?m)^CapBnd:\s+0000000000000000$", result.Output);
        Assert.Matches(@"(?m)^NoNewPrivs:\s+1$", result.Output);
        Assert.Contains("absent /var/run/docker.sock\nabsent /run/docker.sock\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OutputFlood_EndsOutputLimitWithCappedCapture()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        const long limit = 64 * 1024;
        var streamed = 0L;

        var result = await RunAsync(docker.Options(outputLimit: limit), project, ["yes", "flood"], onOutput: (_, chunk, _) =>
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
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        const string script = """
            cp /usr/bin/true /tmp/t && /tmp/t 2>/dev/null; echo "exec=$?"; rm -f /tmp/t
            head -c 50000000 /dev/zero > /tmp/fill 2>/dev/null; echo "rc=$?"
            echo "size=$(stat -c %s /tmp/fill)"
            """;

        var result = await RunAsync(docker.Options(tmpSize: 8 << 20), project, "bash", "-c", script);

        AssertEnding(SandboxEnding.Succeeded, result);
        Assert.DoesNotContain("rc=0", result.Output, StringComparison.Ordinal);
        var size = long.Parse(SizeLine().Match(result.Output).Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(size, 1, 8 << 20);
        Assert.Contains("exec=126", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsWithinOneSecondAndEndsCancelled()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = docker.Executor(docker.Options());
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
        docker.RequireDocker();
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
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        var executor = docker.Executor(docker.Options(image: "codeur/does-not-exist:latest"));

        var error = await Assert.ThrowsAsync<SandboxImageMissingException>(() =>
            executor.RunAsync(new SandboxRequest("missing-image", project.Path, ["true"]), TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken));

        Assert.Contains("deploy/sandbox/build-offline.sh", error.Message, StringComparison.Ordinal);
        Assert.Contains("docker build", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ForbiddenProject_RejectedWithoutContainer()
    {
        docker.RequireDocker();
        var executor = docker.Executor(docker.Options());

        var result = await executor.RunAsync(new SandboxRequest("forbidden", "/etc", ["true"]), TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        AssertEnding(SandboxEnding.Rejected, result);
        Assert.Contains("forbidden path '/etc'", result.Error, StringComparison.Ordinal);
        Assert.Null(result.ContainerId);
    }

    private async Task<SandboxResult> RunAsync(SandboxOptions options, ProjectDirectory project, params string[] argv) =>
        await RunAsync(options, project, argv, onOutput: null);

    private async Task<SandboxResult> RunAsync(
        SandboxOptions options,
        ProjectDirectory project,
        string[] argv,
        Func<OutputStreamKind, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? onOutput)
    {
        var executor = docker.Executor(options);
        var request = new SandboxRequest("probe-" + Guid.NewGuid().ToString("N")[..12], project.Path, argv, OnOutput: onOutput);
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
