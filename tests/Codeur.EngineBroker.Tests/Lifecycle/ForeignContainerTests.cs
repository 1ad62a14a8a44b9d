using System.Net;
using System.Text.Json;
using Codeur.EngineBroker.Tests.Infrastructure;

namespace Codeur.EngineBroker.Tests.Lifecycle;

/// <summary>
/// A container without this runner's label — another runner's, an operator's, the broker's own — cannot be
/// inspected, started, attached to, waited on, killed or removed through the broker, by id, short id or name. The
/// same calls straight to the engine work (the control), and the container is untouched afterwards.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ForeignContainerTests(BrokerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Calls() => new()
    {
        { "GET", "json" }, { "POST", "start" }, { "POST", "attach?stream=1&stdout=1&stderr=1" }, { "POST", "wait" },
        { "POST", "kill?signal=SIGKILL" }, { "DELETE", "" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Lifecycle_OnAnUnlabelledContainer_RefusedByIdShortIdAndName(string method, string action)
    {
        fixture.RequireDocker();
        var id = await fixture.CreateDirectAsync(CreateBodies.Foreign(fixture));
        try
        {
            foreach (var reference in new[] { id, id[..12], fixture.TargetName })
            {
                var path = $"/{BrokerFixture.ApiVersion}/containers/{reference}" + (action.Length == 0 ? "?force=1" : "/" + action);
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                if (action.StartsWith("attach", StringComparison.Ordinal))
                {
                    request.Headers.Connection.Add("Upgrade");
                    request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("tcp"));
                }

                using var response = await fixture.Broker.SendAsync(request, Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode} {body}");
                Assert.Contains("not a container of this runner", body, StringComparison.Ordinal);
            }

            var state = (await fixture.InspectDirectAsync(id)).GetProperty("State");
            Assert.Equal("created", state.GetProperty("Status").GetString());

            // Control: the engine itself would have done it.
            using var start = await fixture.Engine.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/{id}/start", UriKind.Relative), null, Ct);
            Assert.Equal(HttpStatusCode.NoContent, start.StatusCode);
        }
        finally
        {
            await fixture.RemoveDirectAsync(id);
        }
    }

    [Fact]
    public async Task List_ShowsOnlyThisRunnersContainers_EvenWhenAskingForAnother()
    {
        fixture.RequireDocker();
        var foreign = await fixture.CreateDirectAsync(CreateBodies.Foreign(fixture));
        using var created = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(CreateBodies.Runner(fixture, task: "list")), Ct);
        var own = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("Id").GetString()!;
        try
        {
            var everything = await fixture.Engine.GetStringAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/json?all=1", UriKind.Relative), Ct);
            Assert.Contains(foreign, everything, StringComparison.Ordinal);

            var filters = Uri.EscapeDataString($$"""{"label":["codeur.runner=someone-else-{{fixture.Run}}"]}""");
            foreach (var query in new[] { "?all=1", "?all=1&filters=" + filters })
            {
                var listed = await fixture.Broker.GetStringAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/json{query}", UriKind.Relative), Ct);
                Assert.DoesNotContain(foreign, listed, StringComparison.Ordinal);
                var ids = JsonDocument.Parse(listed).RootElement.EnumerateArray().Select(c => c.GetProperty("Id").GetString()).ToList();
                Assert.DoesNotContain(foreign, ids);
                if (!query.Contains("filters", StringComparison.Ordinal))
                {
                    Assert.Contains(own, ids);
                }
            }
        }
        finally
        {
            await fixture.RemoveDirectAsync(foreign);
            await fixture.RemoveDirectAsync(own);
        }
    }

    /// <summary>
    /// Engines before API 1.24 take HostConfig in the body of <c>start</c>: a harmless container becomes privileged
    /// with the host's root mounted. Directly on the engine it takes effect; through the broker a body on start is
    /// refused, on any version.
    /// </summary>
    [Theory]
    [MemberData(nameof(OldVersions))]
    public async Task Start_WithHostConfigOnAnOldApiVersion_TakesEffectOnTheEngine_RefusedByTheBroker(int minor)
    {
        fixture.RequireDocker();
        var version = $"v1.{minor}";
        var hostConfig = $$"""{"Privileged":true,"Binds":["{{fixture.Outside}}:/host"]}""";

        var direct = await fixture.CreateDirectAsync(CreateBodies.Runner(fixture, task: "start-" + minor), version);
        try
        {
            using var start = await fixture.Engine.PostAsync(new Uri($"/{version}/containers/{direct}/start", UriKind.Relative), BrokerFixture.Json(hostConfig), Ct);
            Assert.True(start.StatusCode == HttpStatusCode.NoContent, await start.Content.ReadAsStringAsync(Ct));
            var host = (await fixture.InspectDirectAsync(direct)).GetProperty("HostConfig");
            Assert.True(host.GetProperty("Privileged").GetBoolean(), $"{version}: start did not apply HostConfig");
        }
        finally
        {
            await fixture.RemoveDirectAsync(direct);
        }

        using var created = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(CreateBodies.Runner(fixture, task: "start-b-" + minor)), Ct);
        var own = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("Id").GetString()!;
        try
        {
            foreach (var through in new[] { version, BrokerFixture.ApiVersion })
            {
                using var refused = await fixture.Broker.PostAsync(new Uri($"/{through}/containers/{own}/start", UriKind.Relative), BrokerFixture.Json(hostConfig), Ct);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }

            var inspect = await fixture.InspectDirectAsync(own);
            Assert.False(inspect.GetProperty("HostConfig").GetProperty("Privileged").GetBoolean());
            Assert.Equal("created", inspect.GetProperty("State").GetProperty("Status").GetString());
        }
        finally
        {
            await fixture.RemoveDirectAsync(own);
        }
    }

    public static TheoryData<int> OldVersions() => new(Enumerable.Range(12, 23 - 12 + 1));
}
