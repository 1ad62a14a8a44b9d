using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.IntegrationTests.Sandbox;
using Codeur.Tests.Shared;

namespace Codeur.IntegrationTests.Observability;

/// <summary>
/// The seed's metric names as an operator's Prometheus reads them: a real Prometheus scrapes the gateway and the
/// runner (real processes, a real task in Docker), and its query API is asked for each name.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class PrometheusScrapeTests(DockerFixture docker)
{
    [Fact]
    public async Task Prometheus_ScrapingBothServices_FindsEverySeedMetricByItsExactName()
    {
        docker.RequireDocker();
        var ct = TestContext.Current.CancellationToken;
        await using var system = await CodeurSystem.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, Uri>
        {
            ["gateway"] = system.GatewayUrl,
            ["runner"] = system.RunnerUrl,
        });

        // One task that runs and succeeds, one the runner refuses (unknown project), one the gateway refuses (no credential).
        var id = (await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"frontend"}"""), HttpStatusCode.Accepted))
            .GetProperty("task_id").GetString()!;
        Assert.Equal("succeeded", (await system.WaitFinishedAsync(id)).GetProperty("state").GetString());
        await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", """{"command":"analyze","project":"no-such-project"}"""), HttpStatusCode.UnprocessableEntity);
        using (var anonymous = new HttpRequestMessage(HttpMethod.Post, "/webhook/discord") { Content = new StringContent("{}") })
        {
            using var refused = await system.Client.SendAsync(anonymous, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Each query names the series as the seed spells it, with the labels the metrics reference documents.
        var queries = new Dictionary<string, string>
        {
            ["webhook_requests_total{job=\"gateway\"}"] = "",
            ["webhook_requests_total{job=\"runner\",platform=\"api\"}"] = "2",
            ["webhook_errors_total{job=\"gateway\",type=\"unauthorized\"}"] = "1",
            ["webhook_errors_total{job=\"runner\"}"] = "1",
            ["task_execution_duration_bucket{job=\"runner\",command=\"analyze\",ending=\"succeeded\",le=\"+Inf\"}"] = "1",
            ["task_execution_duration_count{job=\"runner\",command=\"analyze\",ending=\"succeeded\"}"] = "1",
            ["task_execution_duration_sum{job=\"runner\",command=\"analyze\",ending=\"succeeded\"}"] = "",
            ["task_queue_length{job=\"runner\"}"] = "0",
            ["worker_pool_utilization{job=\"runner\"}"] = "0",
        };

        var results = new Dictionary<string, JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            foreach (var query in queries.Keys)
            {
                results[query] = await prometheus.QueryAsync(query, ct);
            }

            if (queries.All(q => Matches(results[q.Key], q.Value)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500, ct);
        }

        foreach (var (query, expected) in queries)
        {
            Assert.True(Matches(results[query], expected),
                $"Prometheus answered {results[query]} for {query} (expected {(expected.Length == 0 ? "a series" : expected)}); targets: {await prometheus.TargetsAsync(ct)}");
        }

        Assert.True(double.Parse(Value(results["task_execution_duration_sum{job=\"runner\",command=\"analyze\",ending=\"succeeded\"}"]), System.Globalization.CultureInfo.InvariantCulture) > 0);

        // The exporter's unit suffix is gone: the names an OpenTelemetry exporter would have produced find nothing.
        Assert.Equal(0, (await prometheus.QueryAsync("{__name__=~\"task_execution_duration_seconds.*|webhook_requests_total_total\"}", ct)).GetArrayLength());
    }

    private static bool Matches(JsonElement result, string expected) =>
        result.GetArrayLength() > 0 && (expected.Length == 0 || Value(result) == expected);

    private static string Value(JsonElement result) => result[0].GetProperty("value")[1].GetString()!;
}
