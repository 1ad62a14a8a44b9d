// Docker.DotNet models are nullable-annotated DTOs; this fake builds them directly.
#nullable disable warnings

using System.Buffers.Binary;
using Codeur.Runner.Sandbox;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Codeur.Runner.Tests.Sandbox;

/// <summary>
/// An engine stand-in that honours the spec, records every call, and plays a script: the output the container
/// writes, whether it runs until killed, and how it exits.
/// </summary>
internal sealed class ScriptedRuntime : IContainerRuntime
{
    private readonly object _gate = new();
    private CreateContainerParameters _created;
    private bool _killed;

    public List<string> Calls { get; } = [];

    /// <summary>stdout bytes the container writes (sent as Docker multiplexed frames).</summary>
    public byte[] Output { get; init; } = [];

    /// <summary>True: the task never exits by itself (only a kill ends it).</summary>
    public bool RunsForever { get; init; }

    public long ExitCode { get; init; }

    public bool OomKilled { get; init; }

    public Action<ContainerInspectResponse> Tamper { get; init; }

    /// <summary>Set: the engine connection breaks during the named call (after the engine may have acted on it).</summary>
    public string BreaksDuring { get; init; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string> CreateAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
    {
        Record("create");
        _created = parameters;
        return Task.FromResult("c0ffee");
    }

    public Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken cancellationToken)
    {
        Record("inspect");
        var h = _created.HostConfig;
        var inspect = new ContainerInspectResponse
        {
            Config = new ContainerConfig { User = _created.User, WorkingDir = _created.WorkingDir, Entrypoint = _created.Entrypoint, Cmd = _created.Cmd, Env = _created.Env, Labels = _created.Labels },
            HostConfig = new HostConfig
            {
                Mounts = h.Mounts, Tmpfs = h.Tmpfs, CapDrop = h.CapDrop, SecurityOpt = h.SecurityOpt, ReadonlyRootfs = true, Memory = h.Memory,
                MemorySwap = h.MemorySwap, NanoCPUs = h.NanoCPUs, PidsLimit = h.PidsLimit, Ulimits = h.Ulimits, NetworkMode = h.NetworkMode,
                IpcMode = h.IpcMode, CgroupnsMode = h.CgroupnsMode, Init = true, RestartPolicy = h.RestartPolicy, LogConfig = h.LogConfig,
            },
            Mounts = [new MountPoint { Type = "bind", Source = h.Mounts[0].Source, Destination = "/workspace", RW = h.Mounts[0].ReadOnly != true, Propagation = "rprivate" }],
            State = new State { ExitCode = _killed ? 137 : ExitCode, OOMKilled = OomKilled },
        };
        Tamper?.Invoke(inspect);
        return Task.FromResult(inspect);
    }

    public Task<MultiplexedStream> AttachAsync(string id, CancellationToken cancellationToken)
    {
        Record("attach");
        if (BreaksDuring == "attach")
        {
            return Task.FromException<MultiplexedStream>(new ContainerEngineUnavailableException("Docker engine not reachable (attach)", new IOException("reset")));
        }

        var frames = new MemoryStream();
        Span<byte> header = stackalloc byte[8];
        for (var offset = 0; offset < Output.Length; offset += 4096)
        {
            var chunk = Output.AsSpan(offset, Math.Min(4096, Output.Length - offset));
            header.Clear();
            header[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)chunk.Length);
            frames.Write(header);
            frames.Write(chunk);
        }

        frames.Position = 0;
        return Task.FromResult(new MultiplexedStream(frames, true));
    }

    public Task StartAsync(string id, CancellationToken cancellationToken)
    {
        Record("start");
        Started.TrySetResult();
        return BreaksDuring == "start"
            ? Task.FromException(new ContainerEngineUnavailableException("Docker engine not reachable (start): connection reset", new IOException("reset")))
            : Task.CompletedTask;
    }

    public async Task<long> WaitAsync(string id, CancellationToken cancellationToken)
    {
        Record("wait");
        if (RunsForever && !_killed)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return _killed ? 137 : ExitCode;
    }

    public Task KillAsync(string id, CancellationToken cancellationToken)
    {
        Record("kill");
        _killed = true;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        Record("remove");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ContainerListResponse>> ListByLabelAsync(string label, string value, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerListResponse>>([]);

    private void Record(string call)
    {
        lock (_gate)
        {
            Calls.Add(call);
        }
    }
}
