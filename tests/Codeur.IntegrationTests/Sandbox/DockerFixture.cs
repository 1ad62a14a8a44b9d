using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox;

/// <summary>
/// One Docker client for the probe suite, plus the availability rule in one place: no engine means FAIL when
/// <c>CODEUR_REQUIRE_DOCKER=1</c> (CI) and a loud skip otherwise.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    public const string Image = "codeur/sandbox:latest";

    private string? _unavailable;

    internal DockerContainerRuntime Runtime { get; } = new(new SandboxOptions(), TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);

    /// <summary>Unique per test run so sweeps here never touch a real runner's (or a parallel run's) containers.</summary>
    internal string InstanceId { get; } = "codeur-it-" + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask InitializeAsync()
    {
        try
        {
            await Runtime.PingAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
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

    internal SandboxOptions Options(
        long pids = 128,
        string memory = "256m",
        long outputLimit = 1 << 20,
        long tmpSize = 16 << 20,
        double cpus = 1,
        string image = Image,
        TimeSpan? timeout = null) => new()
        {
            Image = image,
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
