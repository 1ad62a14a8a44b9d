using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox;

/// <summary>
/// One Docker client for the probe suite, plus the availability rule in one place: no engine means FAIL when
/// <c>CODEUR_REQUIRE_DOCKER=1</c> (CI) and a loud skip otherwise.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    /// <summary>
    /// The sandbox image under test: <c>CODEUR_SANDBOX_IMAGE</c>, else <c>codeur/sandbox:latest</c>. A branch that changes
    /// the image's inputs (codeur-tool, gitconfig) builds its own tag and points the tests at it.
    /// </summary>
    public static readonly string Image = Environment.GetEnvironmentVariable("CODEUR_SANDBOX_IMAGE") is { Length: > 0 } image ? image : "codeur/sandbox:latest";

    private string? _unavailable;
    private EngineRuntimes? _runtimes;

    internal DockerContainerRuntime Runtime { get; } = new(new SandboxOptions(), TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);

    /// <summary>Unique per test run so sweeps here never touch a real runner's (or a parallel run's) containers.</summary>
    internal string InstanceId { get; } = "codeur-it-" + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask InitializeAsync()
    {
        try
        {
            await Runtime.PingAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            _runtimes = await Runtime.GetRuntimesAsync(cts.Token);
        }
        catch (ContainerEngineUnavailableException ex)
        {
            _unavailable = ex.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_unavailable is null)
        {
            // Whatever a failed test left behind carries our instance label.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            foreach (var container in await Runtime.ListByLabelAsync(SandboxLabels.Runner, InstanceId, cts.Token))
            {
                await Runtime.RemoveAsync(container.ID, cts.Token);
            }
        }

        Runtime.Dispose();
    }

    /// <summary>Call first in every Docker test.</summary>
    public void RequireDocker()
    {
        if (_unavailable is null)
        {
            return;
        }

        var reason = $"Docker engine not reachable: {_unavailable}";
        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1")
        {
            Assert.Fail(reason + " (CODEUR_REQUIRE_DOCKER=1, so this is a failure, not a skip)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Call first in a test that needs an OCI runtime the engine may lack (gVisor): same fail/skip rule as Docker.</summary>
    public void RequireRuntime(string name)
    {
        RequireDocker();
        if (_runtimes!.Registered.ContainsKey(name))
        {
            return;
        }

        var reason = $"OCI runtime '{name}' is not registered with the Docker engine (registered: {string.Join(", ", _runtimes.Registered.Keys)}); deploy/ensure-runsc.sh registers gVisor";
        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1")
        {
            Assert.Fail(reason + " (CODEUR_REQUIRE_DOCKER=1, so this is a failure, not a skip)");
        }

        Assert.Skip(reason);
    }

    internal EngineRuntime RegisteredRuntime(string name) => _runtimes!.Registered[name];

    internal SandboxOptions Options(
        long pids = 128,
        string memory = "256m",
        long outputLimit = 1 << 20,
        long tmpSize = 16 << 20,
        double cpus = 1,
        string? image = null,
        TimeSpan? timeout = null,
        string? runtime = null) => new()
        {
            Image = image ?? Image,
            Runtime = runtime,
            PidsLimit = pids,
            MemoryBytes = Codeur.Configuration.ByteSize.Parse(memory),
            OutputLimitBytes = outputLimit,
            TmpSizeBytes = tmpSize,
            NanoCpus = (long)(cpus * 1_000_000_000),
            Timeout = timeout ?? TimeSpan.FromSeconds(20),
            DockerCallTimeout = TimeSpan.FromSeconds(20),
            InstanceId = InstanceId,
        };

    internal SandboxExecutor Executor(SandboxOptions options, SandboxTaskRegistry? registry = null) =>
        new(Runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), registry ?? new SandboxTaskRegistry(), TimeProvider.System, NullLogger<SandboxExecutor>.Instance);
}
