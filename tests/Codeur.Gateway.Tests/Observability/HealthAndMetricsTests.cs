using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Codeur.Gateway.Tests.Infrastructure;

namespace Codeur.Gateway.Tests.Observability;

[Collection(MetricsCollection.Name)]
public sealed class HealthAndMetricsTests
{
    [Fact]
    public async Task GetHealth_RunnerReachable_Returns200Healthy()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("", upstream.Address);

        using var response = await gateway.Client.GetAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("healthy", json.RootElement.GetProperty("components").GetProperty("runner").GetProperty("status").GetString());
    }

    [Fact]
    public async Task GetHealth_RunnerDown_Returns503NamingTheRunner()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var gateway = await GatewayHost.StartAsync("", new Uri($"http://127.0.0.1:{port}"));

        using var response = await gateway.Client.GetAsync("/health", TestContext.Current.CancellationToken);
        using var live = await gateway.Client.GetAsync("/health/live", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("unhealthy", json.RootElement.GetProperty("status").GetString());
        Assert.StartsWith("runner:", json.RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task GetMetrics_AfterTraffic_ExposesRequestAndErrorCountersByLabel()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("  auth_token: \"main-token-0123456789\"", upstream.Address);
        var ct = TestContext.Current.CancellationToken;
        using (var ok = Sign.Post("/webhook/github", "{}"u8.ToArray()))
        {
            ok.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
            (await gateway.Client.SendAsync(ok, ct)).Dispose();
        }

        (await gateway.Client.SendAsync(Sign.Post("/webhook/slack", "{}"u8.ToArray()), ct)).Dispose();
        (await gateway.Client.SendAsync(Sign.Post("/webhook/slack", "{}"u8.ToArray()), ct)).Dispose();

        string[] expected =
        [
            @"webhook_requests_total\{[^}]*platform=""github""[^}]*\} 1(\s|$)",
            @"webhook_requests_total\{[^}]*platform=""slack""[^}]*\} 2(\s|$)",
            @"webhook_errors_total\{[^}]*type=""unauthorized""[^}]*\} 2(\s|$)",
        ];

        // The exporter caches a scrape briefly; poll (bounded) until the counts settle.
        var text = "";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!expected.All(pattern => System.Text.RegularExpressions.Regex.IsMatch(text, pattern)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
            text = await gateway.Client.GetStringAsync("/metrics", ct);
        }

        var ours = string.Join('\n', text.Split('\n').Where(line => line.StartsWith("webhook_", StringComparison.Ordinal)));
        foreach (var pattern in expected)
        {
            Assert.Matches(pattern, ours);
        }
    }
}
