using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package) of the test's own: scrapes the given targets every second
/// into a temporary storage directory, listens on a free loopback port, and is killed on dispose. No binary means
/// FAIL in CI (tests/run.sh installs it) and a loud skip elsewhere.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _client;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}");
        _client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public string LogPath => Path.Combine(_directory, "prometheus.log");

    public static string? FindBinary() =>
        new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists);

    /// <summary>Starts Prometheus scraping <c>/metrics</c> of each job's address (<c>host:port</c>).</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, Uri> jobs)
    {
        var binary = FindBinary();
        if (binary is null)
        {
            const string reason = "prometheus is not installed (apt-get install prometheus; tests/run.sh does it)";
            if (Environment.GetEnvironmentVariable("CI") == "true" || Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1")
            {
                Assert.Fail(reason + " (CI: this is a failure, not a skip)");
            }

            Assert.Skip(reason);
        }

        var directory = Directory.CreateTempSubdirectory("codeur-prometheus-").FullName;
        var scrapeConfigs = string.Concat(jobs.Select(job => $"""

              - job_name: {job.Key}
                metrics_path: /metrics
                static_configs: [{"{"}targets: ["{job.Value.Authority}"]{"}"}]
            """));
        await File.WriteAllTextAsync(Path.Combine(directory, "prometheus.yml"), $"""
            global: {"{"}scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s{"}"}
            scrape_configs:{scrapeConfigs}

            """);

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = directory,
            };
            foreach (var arg in new[]
                     {
                         "--config.file=" + Path.Combine(directory, "prometheus.yml"),
                         "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                         "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                     })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            var log = new StreamWriter(Path.Combine(directory, "prometheus.log"), append: true) { AutoFlush = true };
            var gate = new Lock();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { log.WriteLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { log.WriteLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new PrometheusServer(process, directory, port);
            if (await server.ReadyAsync())
            {
                return server;
            }

            await server.StopAsync();
            if (attempt == 3)
            {
                Assert.Fail("prometheus did not become ready:\n" + await File.ReadAllTextAsync(Path.Combine(directory, "prometheus.log")));
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<bool> ReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
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
