using System.Net;
using Codeur.Runner.Sandbox;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Codeur.IntegrationTests.Sandbox;

/// <summary>The runner host as configured by Program.cs: the sandbox services resolve and /health reports Docker.</summary>
[Collection(DockerCollection.Name)]
public sealed class RunnerHealthTests(DockerFixture docker) : IDisposable
{
    private readonly string _config = WriteConfig();

    public void Dispose() => File.Delete(_config);

    [Fact]
    public async Task GetHealth_DockerReachable_200WithDockerHealthy()
    {
        docker.RequireDocker();
        await using var runner = Runner(new SandboxOptions { InstanceId = docker.InstanceId });
        using var client = runner.CreateClient();

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"docker\":{\"status\":\"healthy\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHealth_DockerUnreachable_503NamingDocker()
    {
        await using var runner = Runner(new SandboxOptions { InstanceId = docker.InstanceId, DockerEndpoint = new Uri("unix:///nonexistent/codeur/docker.sock") });
        using var client = runner.CreateClient();

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("docker: Docker engine not reachable", body, StringComparison.Ordinal);
    }

    private WebApplicationFactory<SandboxOptions> Runner(SandboxOptions options) =>
        new WebApplicationFactory<SandboxOptions>().WithWebHostBuilder(host =>
        {
            host.UseSetting("config", _config);
            // A unique instance label, so this host's start-up sweep only ever sees this test run's containers.
            host.ConfigureTestServices(services => services.AddSingleton(options));
        });

    private static string WriteConfig()
    {
        var path = Path.Combine(Path.GetTempPath(), $"codeur-runner-{Guid.NewGuid():N}.agent.yaml");
        var queue = Path.Combine(Path.GetTempPath(), $"codeur-runner-{Guid.NewGuid():N}.db");
        File.WriteAllText(path, $"webhook:\n  timeout: 60\n  runner: {{internal_token: \"health-test\"}}\n  queue: {{path: \"{queue}\"}}\n");
        return path;
    }
}
