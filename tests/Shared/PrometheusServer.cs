using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package, in an image built offline by
/// <c>tests/images/build.sh prometheus</c>) of the test's own, started through Testcontainers: it scrapes the given
/// targets every second and is removed on dispose. It runs on the host's network because the services it scrapes
/// listen on the host's loopback; it listens on a free loopback port of its own. No Docker engine or image means FAIL in
/// CI and a loud skip elsewhere.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly IContainer _container;
    private readonly HttpClient _client;

    private PrometheusServer(IContainer container, int port)
    {
        _container = container;
        Address = new Uri($"http://127.0.0.1:{port}");
        _client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    /// <summary>Starts Prometheus scraping <c>/metrics</c> of each job's address (<c>host:port</c>).</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, Uri> jobs)
    {
        string image;
        try
        {
            image = await TestContainers.ImageAsync("prometheus");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TestContainers.Unavailable("no Prometheus image (Docker engine and tests/images/build.sh prometheus; tests/run.sh does both): " + ex.Message);
            throw;
        }

        var scrapeConfigs = string.Concat(jobs.Select(job => $"""

              - job_name: {job.Key}
                metrics_path: /metrics
                static_configs: [{"{"}targets: ["{job.Value.Authority}"]{"}"}]
            """));
        var config = Encoding.UTF8.GetBytes($"""
            global: {"{"}scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s{"}"}
            scrape_configs:{scrapeConfigs}

            """);

        for (var attempt = 0; ; attempt++)
        {
            // On the host's network the port is the host's: a free one now may be taken before Prometheus binds it, so retry.
            var port = FreePort();
            var container = TestContainers.Builder(image, "prometheus")
                .WithCreateParameterModifier(parameters => (parameters.HostConfig ??= new HostConfig()).NetworkMode = "host")
                .WithResourceMapping(config, FilePath.Of("/etc/prometheus/codeur-test.yml"))
                .WithCommand(
                    "--config.file=/etc/prometheus/codeur-test.yml",
                    "--storage.tsdb.path=/tmp/prometheus",
                    "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture))
                .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Server is ready to receive web requests", wait => wait.WithTimeout(TimeSpan.FromSeconds(60)).WithInterval(TimeSpan.FromMilliseconds(100))))
                .Build();
            var server = new PrometheusServer(container, port);
            string failure;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
                await container.StartAsync(timeout.Token);
                if (await server.ReadyAsync())
                {
                    return server;
                }

                failure = "not ready on " + server.Address;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failure = ex.Message;
            }

            var logs = await server.LogsAsync();
            await server.DisposeAsync();
            if (attempt == 3)
            {
                Assert.Fail($"prometheus did not become ready: {failure}\n{logs}");
            }
        }
    }

    /// <summary>Runs an instant query (<c>/api/v1/query</c>) and returns its <c>data.result</c> array.</summary>
    public async Task<JsonElement> QueryAsync(string promQl, CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(promQl), UriKind.Relative), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"query {promQl}: {(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The scrape targets and their health as Prometheus reports them (<c>/api/v1/targets</c>), for failure messages.</summary>
    public Task<string> TargetsAsync(CancellationToken cancellationToken) =>
        _client.GetStringAsync(new Uri("/api/v1/targets", UriKind.Relative), cancellationToken);

    /// <summary>Prometheus's own output, for failure messages.</summary>
    public async Task<string> LogsAsync()
    {
        try
        {
            var (stdout, stderr) = await _container.GetLogsAsync();
            return stdout + stderr;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return "(no logs: " + ex.Message + ")";
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        // Without Ryuk this is what removes the container (tests/run.sh sweeps what a killed test host left).
        await _container.DisposeAsync();
    }

    private async Task<bool> ReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await _client.GetAsync(new Uri("/-/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
