// Docker.DotNet models are nullable-annotated DTOs; these tests build and poke them directly.
#nullable disable warnings

using Codeur.Runner.Sandbox;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class SandboxExecutorTests : IDisposable
{
    private readonly string _project = Directory.CreateTempSubdirectory("codeur-exec-").FullName;

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public async Task RunAsync_InspectDiffersFromSpec_RemovedNeverStartedRejected()
    {
        var runtime = new RecordingRuntime(inspect => inspect.HostConfig.Privileged = true);

        var result = await Executor(runtime).RunAsync(new SandboxRequest("t1", _project, ["true"]), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxEnding.Rejected, result.Ending);
        Assert.Contains("HostConfig.Privileged", result.Error, StringComparison.Ordinal);
        Assert.Equal(["create", "inspect", "remove"], runtime.Calls);
    }

    [Fact]
    public async Task RunAsync_ForbiddenProject_NoDockerCallAtAll()
    {
        var runtime = new RecordingRuntime();

        var result = await Executor(runtime).RunAsync(new SandboxRequest("t2", "/etc", ["true"]), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxEnding.Rejected, result.Ending);
        Assert.Empty(runtime.Calls);
    }

    [Fact]
    public async Task RunAsync_SameTaskTwiceConcurrently_SecondRejected()
    {
        var registry = new SandboxTaskRegistry();
        registry.TryAdd("busy");

        var result = await Executor(new RecordingRuntime(), registry).RunAsync(new SandboxRequest("busy", _project, ["true"]), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxEnding.Rejected, result.Ending);
        Assert.True(registry.IsLive("busy"));
    }

    private static SandboxExecutor Executor(IContainerRuntime runtime, SandboxTaskRegistry registry = null)
    {
        var options = new SandboxOptions { InstanceId = "unit" };
        return new SandboxExecutor(runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), registry ?? new SandboxTaskRegistry(), new FakeTimeProvider(), NullLogger<SandboxExecutor>.Instance);
    }

    /// <summary>Answers create/inspect like an engine that honoured the request, then lets a test tamper with it.</summary>
    private sealed class RecordingRuntime(Action<ContainerInspectResponse> tamper = null) : IContainerRuntime
    {
        private CreateContainerParameters _created;

        public List<string> Calls { get; } = [];

        public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<string> CreateAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
        {
            Calls.Add("create");
            _created = parameters;
            return Task.FromResult("c0ffee");
        }

        public Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken cancellationToken)
        {
            Calls.Add("inspect");
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
                Mounts = [new MountPoint { Type = "bind", Source = h.Mounts[0].Source, Destination = "/workspace", RW = true, Propagation = "rprivate" }],
            };
            tamper?.Invoke(inspect);
            return Task.FromResult(inspect);
        }

        public Task<MultiplexedStream> AttachAsync(string id, CancellationToken cancellationToken) => throw Unexpected("attach");

        public Task StartAsync(string id, CancellationToken cancellationToken) => throw Unexpected("start");

        public Task<long> WaitAsync(string id, CancellationToken cancellationToken) => throw Unexpected("wait");

        public Task KillAsync(string id, CancellationToken cancellationToken)
        {
            Calls.Add("kill");
            return Task.CompletedTask;
        }

        public Task RemoveAsync(string id, CancellationToken cancellationToken)
        {
            Calls.Add("remove");
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<ContainerListResponse>> ListByLabelAsync(string label, string value, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<ContainerListResponse>>([]);

        private InvalidOperationException Unexpected(string call)
        {
            Calls.Add(call);
            return new InvalidOperationException($"{call} must not be reached in this test");
        }
    }
}
