using System.Net;
using System.Text.Json;
using Codeur.EngineBroker.Tests.Infrastructure;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codeur.EngineBroker.Tests.Lifecycle;

/// <summary>
/// The runner's own Docker client (<see cref="DockerContainerRuntime"/>, unchanged) pointed at the broker's socket:
/// its create/attach/start/wait/kill/remove cycle passes, output streams through the hijacked attach, and what the
/// engine created is the sandbox the runner asked for.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class RunnerCycleTests(BrokerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DockerContainerRuntime Runtime()
    {
        // The broker requires the API version in the path; the runner pins it from DOCKER_API_VERSION.
        Environment.SetEnvironmentVariable("DOCKER_API_VERSION", "1.41");
        return new DockerContainerRuntime(Options(), TimeProvider.System, NullLogger<DockerContainerRuntime>.Instance);
    }

    private SandboxOptions Options() => new()
    {
        DockerEndpoint = new Uri("unix://" + fixture.BrokerSocket),
        InstanceId = fixture.RunnerId,
        DockerCallTimeout = TimeSpan.FromSeconds(30),
        MemoryBytes = 256L << 20,
    };

    [Fact]
    public async Task RunnerRuntime_FullCycleThroughTheBroker_OutputAndExitCode()
    {
        fixture.RequireDocker();
        using var runtime = Runtime();
        var spec = new ContainerSpecBuilder(Options()).Build("cycle", fixture.Project, ["bash", "-c", "echo out-line; echo err-line >&2; exit 3"], DateTimeOffset.UtcNow.AddMinutes(5));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        await runtime.PingAsync(TimeSpan.FromSeconds(5), timeout.Token);
        var id = await runtime.CreateAsync(spec, timeout.Token);
        var inspect = await runtime.InspectAsync(id, timeout.Token);
        Assert.Empty(ContainerSpecVerifier.Verify(spec, inspect));
        using var stream = await runtime.AttachAsync(id, timeout.Token);
        await runtime.StartAsync(id, timeout.Token);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(timeout.Token);
        var exit = await runtime.WaitAsync(id, timeout.Token);
        await runtime.KillAsync(id, timeout.Token);
        var listed = await runtime.ListByLabelAsync(SandboxLabels.Runner, fixture.RunnerId, timeout.Token);
        await runtime.RemoveAsync(id, timeout.Token);

        Assert.Equal("out-line\n", stdout);
        Assert.Equal("err-line\n", stderr);
        Assert.Equal(3, exit);
        Assert.Contains(listed, c => c.ID == id);
        using var gone = await fixture.Engine.GetAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/{id}/json", UriKind.Relative), timeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task RunnerRuntime_KillThroughTheBroker_EndsTheContainer()
    {
        fixture.RequireDocker();
        using var runtime = Runtime();
        var spec = new ContainerSpecBuilder(Options()).Build("kill", fixture.Project, ["sleep", "60"], DateTimeOffset.UtcNow.AddMinutes(5));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        var id = await runtime.CreateAsync(spec, timeout.Token);
        await runtime.StartAsync(id, timeout.Token);
        var waiting = runtime.WaitAsync(id, timeout.Token);
        await runtime.KillAsync(id, timeout.Token);
        var exit = await waiting;
        await runtime.RemoveAsync(id, timeout.Token);

        Assert.Equal(137, exit);
    }

    [Fact]
    public async Task Create_ForwardsTheBrokersOwnSerialisation_NotTheClientsBytes()
    {
        fixture.RequireDocker();
        // Same meaning, different bytes: extra whitespace, escaped characters in values, keys in another order.
        var body = CreateBodies.Runner(fixture, task: "bytes").Replace("\"Image\":\"codeur/sandbox:latest\"", "\"Image\" :  \"codeur\\/sandbox:latest\"", StringComparison.Ordinal);

        using var created = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(body), Ct);
        var text = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("Id").GetString()!;
        var inspect = await fixture.InspectDirectAsync(id);
        await fixture.RemoveDirectAsync(id);

        var host = inspect.GetProperty("HostConfig");
        Assert.Equal("codeur/sandbox:latest", inspect.GetProperty("Config").GetProperty("Image").GetString());
        Assert.Equal("private", host.GetProperty("CgroupnsMode").GetString());
        Assert.Equal(["ALL"], host.GetProperty("CapDrop").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("rprivate", host.GetProperty("Mounts")[0].GetProperty("BindOptions").GetProperty("Propagation").GetString());
    }
}
