using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.IntegrationTests.Sandbox;
using Codeur.Runner.Tests.Replies;

namespace Codeur.IntegrationTests.Observability;

/// <summary>
/// One signed GitHub comment followed through the whole system by its trace: gateway and runner as real processes
/// exporting OTLP/HTTP to a recording receiver, a real container, and GitHub's reply API played by a recording
/// stand-in. The test rebuilds the span tree from what the exporters sent and checks every edge.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class TraceTreeTests(DockerFixture docker)
{
    private const string GitHubToken = "e2e-github-token-for-traces";

    [Fact]
    public async Task SignedWebhook_TaskAndReplies_FormOneTraceFromGatewayToContainerToReply()
    {
        docker.RequireDocker();
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var github = await FakePlatformServer.StartAsync();
        await using var system = await CodeurSystem.StartAsync(
            $"""
              github_token: "{GitHubToken}"
              replies:
                github_api_url: "{github.BaseUrl}"
            """,
            environment: new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            });

        var comment = JsonSerializer.Serialize(new
        {
            action = "created",
            issue = new { number = 7, title = "Please help" },
            comment = new { id = 99, body = "!agent analyze --project backend", user = new { login = "octo", type = "User" }, author_association = "OWNER" },
            repository = new { full_name = "acme/backend" },
            sender = new { login = "octo", type = "User" },
        });
        var id = (await system.SendJsonAsync(CodeurSystem.GitHub("issue_comment", comment, Guid.NewGuid().ToString()), HttpStatusCode.Accepted))
            .GetProperty("task_id").GetString()!;
        Assert.Equal("succeeded", (await system.WaitFinishedAsync(id)).GetProperty("state").GetString());
        var comments = await github.WaitForAsync(r => r.Path == "/repos/acme/backend/issues/7/comments", count: 2);

        // Every span the tree needs has arrived once both replies' spans are in (the exporters batch every 100 ms).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<ReceivedSpan> spans;
        while (true)
        {
            spans = receiver.Spans;
            if (spans.Count(s => s.Name == "reply" && s.Attribute("codeur.reply.delivered") == "true") >= 2
                && spans.Any(s => s.Name == "task") || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100, ct);
        }

        var gatewayRequest = Single(spans, s => s.Service == "codeur-gateway" && s.Kind == SpanKind.Server && s.Attribute("url.path") == "/webhook/github");
        var trace = gatewayRequest.TraceId;
        Assert.Equal("", gatewayRequest.ParentSpanId);
        var ours = spans.Where(s => s.TraceId == trace).ToList();
        string Describe() => string.Join('\n', ours.Select(s => $"{s.Service} {s.Kind} {s.Name} {s.SpanId} <- {s.ParentSpanId}"));

        var verify = Single(ours, s => s.Name == "verify");
        Assert.Equal(gatewayRequest.SpanId, verify.ParentSpanId);
        Assert.Equal("signature", verify.Attribute("codeur.auth.method"));

        // Gateway → runner through YARP: the forwarded call's client span is the parent of the runner's server span.
        var runnerRequest = Single(ours, s => s.Service == "codeur-runner" && s.Kind == SpanKind.Server);
        var forward = Single(ours, s => s.SpanId == runnerRequest.ParentSpanId);
        Assert.True(forward is { Service: "codeur-gateway", Kind: SpanKind.Client }, Describe());
        Assert.True(IsUnder(ours, forward, gatewayRequest), Describe());

        var parse = Single(ours, s => s.Name == "parse");
        var enqueue = Single(ours, s => s.Name == "enqueue");
        Assert.Equal(runnerRequest.SpanId, parse.ParentSpanId);
        Assert.Equal(runnerRequest.SpanId, enqueue.ParentSpanId);
        Assert.Equal(id, enqueue.Attribute("codeur.task.id"));

        // The task continues the trace of the request that created it, and links to it.
        var task = Single(ours, s => s.Name == "task");
        Assert.Equal(enqueue.SpanId, task.ParentSpanId);
        Assert.Contains((trace, enqueue.SpanId), task.Links);
        Assert.Equal(id, task.Attribute("codeur.task.id"));
        Assert.Equal("succeeded", task.Attribute("codeur.ending"));
        Assert.Equal(task.SpanId, Single(ours, s => s.Name == "claim").ParentSpanId);
        var container = Single(ours, s => s.Name == "container");
        Assert.Equal(task.SpanId, container.ParentSpanId);
        Assert.Equal("command", container.Attribute("codeur.container.step"));
        Assert.Equal("Succeeded", container.Attribute("codeur.sandbox.ending"));

        // The acknowledgement was stored with the task (in the enqueue's own transaction), the ending by the task; each
        // delivery is a span under it, and each HTTP call to GitHub is a client span under its delivery, carrying the
        // trace on to GitHub.
        var replies = ours.Where(s => s.Name == "reply").ToList();
        var ack = Single(replies, s => s.Attribute("codeur.reply.kind") == "ack");
        var ending = Single(replies, s => s.Attribute("codeur.reply.kind") == "ending");
        Assert.Equal(enqueue.SpanId, ack.ParentSpanId);
        Assert.Equal(task.SpanId, ending.ParentSpanId);
        foreach (var reply in new[] { ack, ending })
        {
            var call = Single(ours, s => s.Kind == SpanKind.Client && s.ParentSpanId == reply.SpanId);
            Assert.EndsWith("/repos/acme/backend/issues/7/comments", call.Attribute("url.full"), StringComparison.Ordinal);
        }

        Assert.All(comments, c => Assert.StartsWith($"00-{trace}-", c.Header("traceparent"), StringComparison.Ordinal));

        // Audit lines carry the W3C ids of the span they were written in.
        var audit = (await File.ReadAllLinesAsync(system.AuditPath, ct))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(line => line.TryGetProperty("task_id", out var t) && t.GetString() == id)
            .ToList();
        JsonElement Event(string name) => audit.Single(line => line.GetProperty("event").GetString() == name);
        Assert.Equal(trace, Event("task_queued").GetProperty("trace_id").GetString());
        Assert.Equal(runnerRequest.SpanId, Event("task_queued").GetProperty("span_id").GetString());
        Assert.Equal(task.SpanId, Event("task_started").GetProperty("span_id").GetString());
        Assert.Equal(task.SpanId, Event("task_finished").GetProperty("span_id").GetString());
        Assert.All(audit.Where(line => line.GetProperty("event").GetString() == "reply_sent"),
            line => Assert.Contains(line.GetProperty("span_id").GetString(), new[] { ack.SpanId, ending.SpanId }));
    }

    private static ReceivedSpan Single(IEnumerable<ReceivedSpan> spans, Func<ReceivedSpan, bool> match)
    {
        var found = spans.Where(match).ToList();
        Assert.True(found.Count == 1, $"expected one matching span, found {found.Count} among:\n" +
            string.Join('\n', spans.Select(s => $"{s.Service} {s.Kind} {s.Name} trace={s.TraceId} {s.SpanId} <- {s.ParentSpanId}")));
        return found[0];
    }

    private static bool IsUnder(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan span, ReceivedSpan ancestor)
    {
        for (var current = span; current is not null; current = spans.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
