using System.Net;
using System.Text;
using System.Text.Json;
using Codeur.EngineBroker.Tests.Infrastructure;

namespace Codeur.EngineBroker.Tests.Routing;

/// <summary>
/// The request line: only the calls the runner makes, always with an API version at least the minimum, no body
/// except on create, no query parameter it does not understand. Each refusal is a 403 JSON error and an audit record.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class RouteTests(BrokerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/v1.41/_ping")]
    [InlineData("HEAD", "/v1.41/_ping")]
    [InlineData("GET", "/v1.41/version")]
    [InlineData("GET", "/v1.40/containers/json?all=1")]
    public async Task RunnerCalls_Pass(string method, string path)
    {
        fixture.RequireDocker();

        using var response = await fixture.Broker.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/_ping", "API version is required")]
    [InlineData("POST", "/containers/create", "API version is required")]
    [InlineData("GET", "/v1.39/_ping", "below the minimum")]
    [InlineData("GET", "/v1.24/containers/json", "below the minimum")]
    [InlineData("GET", "/v1.41/info", "not an Engine API call")]
    [InlineData("GET", "/v1.41/images/json", "not an Engine API call")]
    [InlineData("POST", "/v1.41/images/create?fromImage=alpine", "not an Engine API call")]
    [InlineData("POST", "/v1.41/build", "not an Engine API call")]
    [InlineData("POST", "/v1.41/containers/abc/exec", "not an Engine API call")]
    [InlineData("POST", "/v1.41/exec/abc/start", "not an Engine API call")]
    [InlineData("GET", "/v1.41/containers/abc/archive?path=/", "not an Engine API call")]
    [InlineData("PUT", "/v1.41/containers/abc/archive?path=/", "not an Engine API call")]
    [InlineData("POST", "/v1.41/containers/abc/update", "not an Engine API call")]
    [InlineData("POST", "/v1.41/containers/abc/rename?name=x", "not an Engine API call")]
    [InlineData("GET", "/v1.41/containers/abc/logs", "not an Engine API call")]
    [InlineData("POST", "/v1.41/volumes/create", "not an Engine API call")]
    [InlineData("POST", "/v1.41/networks/create", "not an Engine API call")]
    [InlineData("POST", "/v1.41/networks/codeur-egress/connect", "not an Engine API call")]
    [InlineData("GET", "/v1.41/events", "not an Engine API call")]
    [InlineData("POST", "/v1.41/swarm/init", "not an Engine API call")]
    [InlineData("POST", "/v1.41/containers/prune", "not an Engine API call")]
    [InlineData("GET", "/v1.41/containers/../images/json", "not an Engine API call")]
    [InlineData("GET", "/v1.41/containers/abc%2F..%2F..%2Fimages/json", "not an Engine API call")]
    [InlineData("GET", "/V1.41/_ping", "not an Engine API call")]
    [InlineData("GET", "/v01.41/_ping", "not an Engine API call")]
    [InlineData("POST", "/v1.41/containers/create?name=x", "query")]
    [InlineData("POST", "/v1.41/containers/abc/kill?signal=SIGHUP", "query.signal")]
    [InlineData("POST", "/v1.41/containers/abc/attach?stdin=1", "query")]
    [InlineData("DELETE", "/v1.41/containers/abc?link=1", "query")]
    [InlineData("GET", "/v1.41/containers/json?filters=%7B%22ancestor%22%3A%5B%22x%22%5D%7D", "query.filters")]
    public async Task OtherRequests_Refused_NamingWhatIsWrong(string method, string path, string because)
    {
        fixture.RequireDocker();

        using var response = await fixture.Broker.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString()!;
        Assert.Contains(because, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "start")]
    [InlineData("POST", "kill")]
    [InlineData("POST", "wait")]
    [InlineData("DELETE", "")]
    [InlineData("GET", "json")]
    public async Task AnyBodyOutsideCreate_Refused(string method, string action)
    {
        fixture.RequireDocker();
        var path = $"/{BrokerFixture.ApiVersion}/containers/{fixture.TargetId}" + (action.Length == 0 ? "" : "/" + action);

        using var response = await fixture.Broker.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = new StringContent("{}", Encoding.UTF8, "application/json") }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("body: this call takes no body", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_WithoutConnectionUpgrade_Refused()
    {
        fixture.RequireDocker();

        using var response = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/{fixture.TargetId}/attach?stream=1&stdout=1", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Refusal_WritesAnAuditRecord_NamingTheFieldNeverTheValue()
    {
        fixture.RequireDocker();
        var secret = "/etc/codeur-audit-probe-" + fixture.Run;
        var body = CreateBodies.Runner(fixture).Replace("\"Binds\":[]", $"\"Binds\":[\"{secret}:/x\"]", StringComparison.Ordinal);

        using var response = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(body), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? line = null;
        while (line is null && DateTime.UtcNow < deadline)
        {
            line = File.Exists(fixture.AuditPath)
                ? (await File.ReadAllLinesAsync(fixture.AuditPath, Ct)).LastOrDefault(l => l.Contains("HostConfig.Binds", StringComparison.Ordinal))
                : null;
            if (line is null)
            {
                await Task.Delay(50, Ct);
            }
        }

        Assert.NotNull(line);
        var record = JsonDocument.Parse(line).RootElement;
        Assert.Equal("engine_request_refused", record.GetProperty("event").GetString());
        Assert.Equal(403, record.GetProperty("status").GetInt32());
        Assert.StartsWith("HostConfig.Binds:", record.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
