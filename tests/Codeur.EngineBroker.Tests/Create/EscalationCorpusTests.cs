using System.Net;
using System.Text.Json;
using Codeur.EngineBroker.Tests.Infrastructure;

namespace Codeur.EngineBroker.Tests.Create;

/// <summary>
/// The escalation corpus against the real engine. Each attempt is first sent straight to the engine and shown, by
/// inspecting what it created, to have been granted (so the test would catch a broker that let it through); the
/// same bytes sent through the broker are refused with 403 and nothing is created.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class EscalationCorpusTests(BrokerFixture fixture)
{
    public static TheoryData<string, Spelling> Attempts()
    {
        var data = new TheoryData<string, Spelling>();
        foreach (var (escalation, spelling) in Corpus.Attempts())
        {
            data.Add(escalation.Name, spelling);
        }

        return data;
    }

    [Fact]
    public void Corpus_CoversEveryFieldInEverySpelling_IsLarge()
    {
        // The size quoted in docs/SECURITY.md; grows with the list, never shrinks silently.
        Assert.True(Corpus.Attempts().Count() >= 500, $"corpus has {Corpus.Attempts().Count()} attempts");
        Assert.Equal(Corpus.All.Length, Corpus.All.Select(e => e.Name).Distinct().Count());
    }

    [Fact]
    public async Task Create_RunnersOwnBody_AdmittedByTheBroker()
    {
        fixture.RequireDocker();

        using var response = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(CreateBodies.Runner(fixture)), TestContext.Current.CancellationToken);

        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("Id").GetString()!;
        var inspect = await fixture.InspectDirectAsync(id);
        await fixture.RemoveDirectAsync(id);
        Assert.Equal(fixture.Project, inspect.GetProperty("HostConfig").GetProperty("Mounts")[0].GetProperty("Source").GetString());
        Assert.Equal("10001:10001", inspect.GetProperty("Config").GetProperty("User").GetString());
    }

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task Create_Escalation_TakesEffectOnTheEngine_RefusedByTheBroker(string name, Spelling spelling)
    {
        fixture.RequireDocker();
        var escalation = Corpus.Find(name);
        var body = Corpus.Body(fixture, escalation, spelling);

        var id = await fixture.CreateDirectAsync(body);
        JsonElement inspect;
        try
        {
            inspect = await fixture.InspectDirectAsync(id);
        }
        finally
        {
            await fixture.RemoveDirectAsync(id);
        }

        Assert.True(escalation.TookEffect(inspect), "the engine did not grant it, so this attempt proves nothing: " + Corpus.Describe(escalation, spelling, body));

        using var refused = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(body), TestContext.Current.CancellationToken);
        var answer = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"broker answered {(int)refused.StatusCode} {answer}: {Corpus.Describe(escalation, spelling, body)}");
        var error = JsonDocument.Parse(answer).RootElement.GetProperty("error").GetString()!;
        Assert.NotEmpty(error);
        var value = Escalation.Substitute(escalation.Value, fixture).Trim('"');
        if ((value.Contains('/', StringComparison.Ordinal) || value.Length >= 8) && !value.StartsWith('[') && !value.StartsWith('{'))
        {
            Assert.DoesNotContain(value, error, StringComparison.Ordinal);
        }
    }

    public static TheoryData<int> Versions() => new(Enumerable.Range(12, 41 - 12 + 1));

    /// <summary>Every API version the engine serves takes the escalation; the broker refuses old versions outright.</summary>
    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Create_PrivilegedOnEveryApiVersion_TakesEffectOnTheEngine_RefusedByTheBroker(int minor)
    {
        fixture.RequireDocker();
        var version = $"v1.{minor}";
        var body = Corpus.Body(fixture, Corpus.Find("privileged"), Spelling.Canonical);

        var id = await fixture.CreateDirectAsync(body, version);
        var inspect = await fixture.InspectDirectAsync(id);
        await fixture.RemoveDirectAsync(id);
        Assert.True(inspect.GetProperty("HostConfig").GetProperty("Privileged").GetBoolean(), $"{version}: not privileged");

        using var refused = await fixture.Broker.PostAsync(new Uri($"/{version}/containers/create", UriKind.Relative), BrokerFixture.Json(body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    /// <summary>
    /// The kernel follows a link in a bind source: a project directory that is a link to a directory outside the
    /// projects root shows that directory's files in the sandbox. The broker refuses the source.
    /// </summary>
    [Fact]
    public async Task Create_SymlinkedSource_KernelFollowsItOnTheEngine_RefusedByTheBroker()
    {
        fixture.RequireDocker();
        var body = CreateBodies.Runner(fixture, command: "cat /workspace/marker").Replace("\"Source\":\"" + fixture.Project + "\"", "\"Source\":\"" + fixture.Projects + "/link\"", StringComparison.Ordinal);
        var ct = TestContext.Current.CancellationToken;

        var id = await fixture.CreateDirectAsync(body);
        try
        {
            using (var start = await fixture.Engine.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/{id}/start", UriKind.Relative), null, ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, start.StatusCode);
            }

            using (var wait = await fixture.Engine.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/{id}/wait", UriKind.Relative), null, ct))
            {
                Assert.Equal(HttpStatusCode.OK, wait.StatusCode);
            }

            var logs = await fixture.Engine.GetStringAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/{id}/logs?stdout=1&stderr=1", UriKind.Relative), ct);
            Assert.Contains("outside-" + fixture.Run, logs, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.RemoveDirectAsync(id);
        }

        using var refused = await fixture.Broker.PostAsync(new Uri($"/{BrokerFixture.ApiVersion}/containers/create", UriKind.Relative), BrokerFixture.Json(body), ct);
        var answer = await refused.Content.ReadAsStringAsync(ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("HostConfig.Mounts[0].Source", answer, StringComparison.Ordinal);
    }
}
