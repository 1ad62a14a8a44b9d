// Docker.DotNet models are nullable-annotated DTOs; these tests build and poke them directly.
#nullable disable warnings

using System.Text;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class SandboxExecutorTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _project = Directory.CreateTempSubdirectory("codeur-exec-").FullName;
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public async Task RunAsync_InspectDiffersFromSpec_RemovedNeverStartedRejected()
    {
        var runtime = new ScriptedRuntime { Tamper = inspect => inspect.HostConfig.Privileged = true };

        var result = await RunAsync(runtime);

        Assert.Equal(SandboxEnding.Rejected, result.Ending);
        Assert.Contains("HostConfig.Privileged", result.Error, StringComparison.Ordinal);
        Assert.Equal(["create", "inspect", "remove"], runtime.Calls);
    }

    [Fact]
    public async Task RunAsync_ForbiddenProject_NoDockerCallAtAll()
    {
        var runtime = new ScriptedRuntime();

        var result = await RunAsync(runtime, project: "/etc");

        Assert.Equal(SandboxEnding.Rejected, result.Ending);
        Assert.Empty(runtime.Calls);
    }

    [Fact]
    public async Task RunAsync_SameTaskAlreadyLive_Rejected()
    {
        var registry = new SandboxTaskRegistry();
        registry.TryAdd("t");

        var result = await RunAsync(new ScriptedRuntime(), registry: registry);

        Assert.Equal(SandboxEnding.Rejected, result.Ending);
        Assert.True(registry.IsLive("t"));
    }

    [Fact]
    public async Task RunAsync_ExitZero_SucceededWithOutputAndRemoved()
    {
        var runtime = new ScriptedRuntime { Output = "hello\n"u8.ToArray() };
        var registry = new SandboxTaskRegistry();

        var result = await RunAsync(runtime, registry: registry);

        Assert.Equal(SandboxEnding.Succeeded, result.Ending);
        Assert.Equal("hello\n", result.Output);
        Assert.Equal(["create", "inspect", "attach", "start", "wait", "inspect", "remove"], runtime.Calls);
        Assert.False(registry.IsLive("t"));
    }

    [Fact]
    public async Task RunAsync_EngineLostDuringStart_InterruptedNotRetried()
    {
        // The start request may have reached the engine: the task may be running or done. Retrying it would run an
        // agent twice (the reliability suite saw exactly that when it cut the engine mid-start).
        var runtime = new ScriptedRuntime { BreaksDuring = "start" };

        var result = await RunAsync(runtime);

        Assert.Equal(SandboxEnding.Interrupted, result.Ending);
        Assert.Contains("start", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EngineLostBeforeStart_ThrowsSoTheTaskWaitsForTheEngine()
    {
        var runtime = new ScriptedRuntime { BreaksDuring = "attach" };

        await Assert.ThrowsAsync<ContainerEngineUnavailableException>(() => RunAsync(runtime));
        Assert.DoesNotContain("start", runtime.Calls);
    }

    [Fact]
    public async Task RunAsync_ExitNonZero_FailedWithCode()
    {
        var result = await RunAsync(new ScriptedRuntime { ExitCode = 2 });

        Assert.Equal(SandboxEnding.Failed, result.Ending);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task RunAsync_OomKilledState_EndsOomKilledEvenWithExit137()
    {
        var result = await RunAsync(new ScriptedRuntime { ExitCode = 137, OomKilled = true });

        Assert.Equal(SandboxEnding.OomKilled, result.Ending);
    }

    [Fact]
    public async Task RunAsync_DeadlinePasses_KilledNotStoppedEndsTimedOut()
    {
        var runtime = new ScriptedRuntime { RunsForever = true };
        var run = Executor(runtime).RunAsync(new SandboxRequest("t", _project, ["spin"], Timeout: TimeSpan.FromSeconds(30)), TestContext.Current.CancellationToken);
        await runtime.Started.Task.WaitAsync(Bound, TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(run.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        var result = await run.WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(SandboxEnding.TimedOut, result.Ending);
        Assert.Equal(137, result.ExitCode);
        Assert.Contains("kill", runtime.Calls);
        Assert.Equal("remove", runtime.Calls[^1]);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_EndsCancelledNotTimedOut()
    {
        var runtime = new ScriptedRuntime { RunsForever = true };
        using var cancel = new CancellationTokenSource();
        var run = Executor(runtime).RunAsync(new SandboxRequest("t", _project, ["spin"]), cancel.Token);
        await runtime.Started.Task.WaitAsync(Bound, TestContext.Current.CancellationToken);

        await cancel.CancelAsync();
        var result = await run.WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(SandboxEnding.Cancelled, result.Ending);
        Assert.Contains("kill", runtime.Calls);
    }

    [Fact]
    public async Task RunAsync_OutputPastLimit_KilledEndsOutputLimitKeepsCap()
    {
        var runtime = new ScriptedRuntime { RunsForever = true, Output = Encoding.ASCII.GetBytes(new string('x', 100_000)) };
        var options = new SandboxOptions { InstanceId = "unit", OutputLimitBytes = 10_000 };
        var streamed = 0;

        var result = await Executor(runtime, options: options)
            .RunAsync(new SandboxRequest("t", _project, ["yes"], OnOutput: (_, chunk, _) =>
            {
                streamed += chunk.Length;
                return ValueTask.CompletedTask;
            }), TestContext.Current.CancellationToken)
            .WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(SandboxEnding.OutputLimit, result.Ending);
        Assert.Equal(10_000, result.Output.Length);
        Assert.True(result.OutputTruncated);
        Assert.Contains("kill", runtime.Calls);
        Assert.InRange(streamed, 8192, 12288);
    }

    private async Task<SandboxResult> RunAsync(ScriptedRuntime runtime, string project = null, SandboxTaskRegistry registry = null) =>
        await Executor(runtime, registry).RunAsync(new SandboxRequest("t", project ?? _project, ["true"]), TestContext.Current.CancellationToken)
            .WaitAsync(Bound, TestContext.Current.CancellationToken);

    private SandboxExecutor Executor(IContainerRuntime runtime, SandboxTaskRegistry registry = null, SandboxOptions options = null)
    {
        options ??= new SandboxOptions { InstanceId = "unit" };
        return new SandboxExecutor(runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), registry ?? new SandboxTaskRegistry(), _time, NullLogger<SandboxExecutor>.Instance);
    }
}
