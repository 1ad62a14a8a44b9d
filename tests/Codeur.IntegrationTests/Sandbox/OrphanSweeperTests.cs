using Codeur.Runner.Sandbox;
using Docker.DotNet;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.IntegrationTests.Sandbox;

[Collection(DockerCollection.Name)]
public sealed class OrphanSweeperTests(DockerFixture docker)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SweepAsync_LeftoverRunningContainer_KilledAndRemovedButLiveTaskKept()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TestTimeout);
        var options = docker.Options();
        var builder = new ContainerSpecBuilder(options);
        var registry = new SandboxTaskRegistry();
        registry.TryAdd("live-task");
        var deadline = DateTimeOffset.UtcNow.AddMinutes(5);
        var orphan = await docker.Runtime.CreateAsync(builder.Build("orphan-task", project.Path, ["sleep", "300"], deadline), cts.Token);
        var live = await docker.Runtime.CreateAsync(builder.Build("live-task", project.Path, ["sleep", "300"], deadline), cts.Token);
        try
        {
            await docker.Runtime.StartAsync(orphan, cts.Token);
            var sweeper = new OrphanSweeper(docker.Runtime, options, registry, TimeProvider.System, NullLogger<OrphanSweeper>.Instance);

            var removed = await sweeper.SweepAsync(cts.Token);

            Assert.Equal(1, removed);
            await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => docker.Runtime.InspectAsync(orphan, cts.Token));
            var kept = await docker.Runtime.InspectAsync(live, cts.Token);
            Assert.Equal("live-task", kept.Config?.Labels?[SandboxLabels.Task]);
        }
        finally
        {
            await docker.Runtime.RemoveAsync(orphan, CancellationToken.None);
            await docker.Runtime.RemoveAsync(live, CancellationToken.None);
        }
    }

    [Fact]
    public async Task SweepAsync_OtherRunnersContainer_Untouched()
    {
        docker.RequireDocker();
        using var project = new ProjectDirectory();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TestTimeout);
        var mine = docker.Options();
        var other = new SandboxOptions { InstanceId = docker.InstanceId + "-other", DockerCallTimeout = mine.DockerCallTimeout };
        var foreign = await docker.Runtime.CreateAsync(new ContainerSpecBuilder(other).Build("foreign-task", project.Path, ["true"], DateTimeOffset.UtcNow), cts.Token);
        try
        {
            var sweeper = new OrphanSweeper(docker.Runtime, mine, new SandboxTaskRegistry(), TimeProvider.System, NullLogger<OrphanSweeper>.Instance);

            var removed = await sweeper.SweepAsync(cts.Token);

            Assert.Equal(0, removed);
            var still = await docker.Runtime.InspectAsync(foreign, cts.Token);
            Assert.Equal(docker.InstanceId + "-other", still.Config?.Labels?[SandboxLabels.Runner]);
        }
        finally
        {
            await docker.Runtime.RemoveAsync(foreign, CancellationToken.None);
        }
    }
}
