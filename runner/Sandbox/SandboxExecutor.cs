using System.Buffers;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// The lifecycle of one task: guard the path, create, verify, attach, start, stream and count output, wait with the
/// deadline, SIGKILL on deadline / cancel / output cap, inspect, remove with force. The reason for a kill is
/// recorded when the kill is decided, because the exit code (137) cannot say why.
/// </summary>
internal sealed partial class SandboxExecutor(
    IContainerRuntime runtime,
    ContainerSpecBuilder specs,
    ProjectPathGuard guard,
    SandboxTaskRegistry registry,
    TimeProvider time,
    ILogger<SandboxExecutor> logger,
    EgressProxy? egress = null) : ISandboxExecutor
{
    private const int BufferSize = 16 * 1024;
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var path = guard.Check(request.ProjectPath);
        if (!path.IsAllowed)
        {
            Log.PathRejected(logger, request.TaskId, path.Rejection, path.Message);
            return SandboxResult.Rejected(path.Message);
        }

        if (request.Argv.Count == 0 || string.IsNullOrEmpty(request.Argv[0]))
        {
            return SandboxResult.Rejected("no command to run");
        }

        if (!registry.TryAdd(request.TaskId))
        {
            return SandboxResult.Rejected($"task {request.TaskId} is already running");
        }

        try
        {
            return await RunRegisteredAsync(request, path.ResolvedPath!, started, cancellationToken);
        }
        finally
        {
            registry.Remove(request.TaskId);
        }
    }

    private async Task<SandboxResult> RunRegisteredAsync(SandboxRequest request, string projectPath, long started, CancellationToken cancellationToken)
    {
        var timeout = request.Timeout ?? specs.Options.Timeout;
        CreateContainerParameters parameters;
        try
        {
            parameters = specs.Build(request.TaskId, projectPath, request.Argv, time.GetUtcNow() + timeout,
                request.WorkingDirectory, request.Environment, request.AgentRun, request.Network, request.Command);
        }
        catch (ArgumentException ex)
        {
            return SandboxResult.Rejected(ex.Message);
        }

        using var deadline = new CancellationTokenSource(timeout, time);
        using var run = new TaskRun(cancellationToken, deadline.Token);

        string id;
        try
        {
            if (specs.Options.NetworkMode == "egress" && parameters.HostConfig?.NetworkMode == specs.Options.EgressNetwork)
            {
                if (egress is null)
                {
                    return SandboxResult.Rejected("network 'egress' is configured but no egress proxy is available");
                }

                await egress.EnsureAsync(run.Token);
            }

            id = await runtime.CreateAsync(parameters, run.Token);
        }
        catch (InvalidOperationException ex)
        {
            Log.EgressUnavailable(logger, request.TaskId, ex.Message);
            return SandboxResult.Rejected("egress proxy unavailable: " + ex.Message, time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            // A create that raced the cancel may still leave a container; the sweep finds it by label.
            return Ended(run.DecideReason(cancellationToken), null, new OutputCapture(0), started, null);
        }

        Log.Created(logger, request.TaskId, id);
        try
        {
            return await RunContainerAsync(request, parameters, id, run, started, cancellationToken);
        }
        finally
        {
            try
            {
                await runtime.RemoveAsync(id, CancellationToken.None);
            }
            catch (Exception ex) when (ex is ContainerEngineUnavailableException or DockerApiException)
            {
                // The sweep will retry; the task's own ending stands.
                Log.RemoveFailed(logger, request.TaskId, id, ex.Message);
            }
        }
    }

    private async Task<SandboxResult> RunContainerAsync(
        SandboxRequest request, CreateContainerParameters parameters, string id, TaskRun run, long started, CancellationToken cancellationToken)
    {
        var capture = new OutputCapture(specs.Options.OutputLimitBytes);
        MultiplexedStream? stream = null;
        Task? pump = null;
        var startSent = false;
        using var pumpStop = new CancellationTokenSource();
        try
        {
            var inspected = await runtime.InspectAsync(id, run.Token);
            var problems = ContainerSpecVerifier.Verify(parameters, inspected);
            if (problems.Count > 0)
            {
                var reason = "container spec verification failed, not started: " + string.Join("; ", problems);
                Log.VerificationFailed(logger, request.TaskId, id, reason);
                return SandboxResult.Rejected(reason, time.GetElapsedTime(started)) with { ContainerId = id };
            }

            stream = await runtime.AttachAsync(id, run.Token);
            startSent = true;
            await runtime.StartAsync(id, run.Token);
            Log.Started(logger, request.TaskId, id);
            pump = PumpAsync(stream, capture, request.OnOutput, run, pumpStop.Token);

            long? exitCode;
            try
            {
                exitCode = await runtime.WaitAsync(id, run.Token);
            }
            catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
            {
                var reason = run.DecideReason(cancellationToken);
                Log.Killing(logger, request.TaskId, id, reason.ToName());
                await runtime.KillAsync(id, CancellationToken.None);
                using var grace = new CancellationTokenSource(ExitGrace, time);
                exitCode = await runtime.WaitAsync(id, grace.Token);
            }

            // The container is gone, so EOF is due; never let a stuck read hold the task (finally disposes the stream).
            pumpStop.CancelAfter(DrainGrace);
            await pump.WaitAsync(DrainGrace, time, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var state = (await runtime.InspectAsync(id, CancellationToken.None)).State;
            exitCode = state?.ExitCode ?? exitCode;
            var ending = run.KillReason ?? (state?.OOMKilled == true ? SandboxEnding.OomKilled
                : exitCode == 0 ? SandboxEnding.Succeeded : SandboxEnding.Failed);
            return Ended(ending, exitCode, capture, started, id);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            // Cancelled or timed out while still setting up (inspect/attach/start): make sure nothing runs on.
            await runtime.KillAsync(id, CancellationToken.None);
            return Ended(run.DecideReason(cancellationToken), null, capture, started, id);
        }
        catch (ContainerEngineUnavailableException ex) when (startSent)
        {
            // The engine went away once the start was sent (it may have started the container even if its answer was
            // lost): the task's effects are unknown, so it must not be re-run silently.
            return Ended(SandboxEnding.Interrupted, null, capture, started, id) with { Error = ex.Message };
        }
        finally
        {
            await pumpStop.CancelAsync();

            // Disposing the hijacked stream is what reliably ends a pending read; then the pump can be awaited.
            stream?.Dispose();
            if (pump is not null)
            {
                await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task PumpAsync(
        MultiplexedStream stream,
        OutputCapture capture,
        Func<OutputStreamKind, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? onOutput,
        TaskRun run,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
                if (read.EOF)
                {
                    return;
                }

                if (capture.Append(buffer.AsSpan(0, read.Count)))
                {
                    run.Kill(SandboxEnding.OutputLimit);
                }

                if (onOutput is not null && !capture.LimitExceeded)
                {
                    try
                    {
                        var kind = read.Target == MultiplexedStream.TargetStream.StandardError ? OutputStreamKind.Stderr : OutputStreamKind.Stdout;
                        await onOutput(kind, buffer.AsMemory(0, read.Count), cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A broken log follower must not break the task.
                        Log.OutputCallbackFailed(logger, ex.Message);
                        onOutput = null;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private SandboxResult Ended(SandboxEnding ending, long? exitCode, OutputCapture capture, long started, string? id)
    {
        var result = new SandboxResult(ending, exitCode, capture.Text(), capture.TotalBytes, capture.LimitExceeded, time.GetElapsedTime(started), ErrorFor(ending, exitCode), id);
        Log.Finished(logger, id ?? "-", ending.ToName(), exitCode ?? -1, result.Duration.TotalMilliseconds);
        return result;
    }

    private string? ErrorFor(SandboxEnding ending, long? exitCode) => ending switch
    {
        SandboxEnding.Failed => $"exited with code {exitCode}",
        SandboxEnding.TimedOut => "killed at the deadline",
        SandboxEnding.OomKilled => $"killed for exceeding the memory limit ({specs.Options.MemoryBytes} bytes)",
        SandboxEnding.OutputLimit => $"killed for exceeding the output limit ({specs.Options.OutputLimitBytes} bytes)",
        SandboxEnding.Cancelled => "cancelled",
        _ => null,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Task {TaskId}: project path rejected ({Rejection}): {Reason}")]
        public static partial void PathRejected(ILogger logger, string taskId, PathRejection rejection, string reason);

        [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Task {TaskId}: created container {ContainerId}")]
        public static partial void Created(ILogger logger, string taskId, string containerId);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Task {TaskId}: container {ContainerId} refused: {Reason}")]
        public static partial void VerificationFailed(ILogger logger, string taskId, string containerId, string reason);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Task {TaskId}: started container {ContainerId}")]
        public static partial void Started(ILogger logger, string taskId, string containerId);

        [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Task {TaskId}: killing container {ContainerId} ({Reason})")]
        public static partial void Killing(ILogger logger, string taskId, string containerId, string reason);

        [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Container {ContainerId} ended {Ending} (exit {ExitCode}) after {DurationMs} ms")]
        public static partial void Finished(ILogger logger, string containerId, string ending, long exitCode, double durationMs);

        [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Task {TaskId}: removing container {ContainerId} failed, the sweep will retry: {Reason}")]
        public static partial void RemoveFailed(ILogger logger, string taskId, string containerId, string reason);

        [LoggerMessage(EventId = 3108, Level = LogLevel.Error, Message = "Task {TaskId}: egress proxy unavailable: {Reason}")]
        public static partial void EgressUnavailable(ILogger logger, string taskId, string reason);

        [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "Live output callback failed and was detached: {Reason}")]
        public static partial void OutputCallbackFailed(ILogger logger, string reason);
    }
}
