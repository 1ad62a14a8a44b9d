using System.Text.Json;
using System.Text.Json.Nodes;
using Codeur.Audit;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Http;
using Codeur.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Codeur.Gateway.Spool;

/// <summary>
/// Decides whether a request the runner could not take goes to the spool, stores it (durably, before any answer) and
/// answers in the platform's terms: 202 <c>{"spool_id","status":"spooled"}</c> for GitHub, relays and the API; the
/// message Slack shows for a slash command and the channel message Discord shows for an interaction, both within
/// their 3 seconds. Only task submissions are spooled (webhook POSTs and <c>POST /api/tasks</c>); reads, cancels,
/// Discord PINGs and Slack URL checks still fail fast, since an answer later is no answer for them.
/// </summary>
internal sealed partial class SpoolIntake(ISpoolStore store, SpoolMetrics metrics, SpoolSignal signal, AuditLog audit, Rejection rejection, TimeProvider time, ILogger<SpoolIntake> logger)
{
    public const string Acknowledgement = "Queued; starting shortly.";

    // About as long as a runner restart; a client that honours it finds room again.
    private static readonly TimeSpan FullRetry = TimeSpan.FromSeconds(30);

    /// <summary>True for a request that creates work: what a caller would lose if it were refused.</summary>
    public static bool IsSubmission(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Features.Get<BufferedBody>() is null)
        {
            return false;
        }

        return context.GetPlatform() switch
        {
            "github" or "slack" or "discord" => true,
            "api" => context.Request.Path.Equals("/api/tasks", StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>The id this request has in the spool if it goes there, and the runner's dedupe key if it does not.</summary>
    public static string RequestId(HttpContext context)
    {
        if (context.Items[typeof(SpoolIntake)] is string id)
        {
            return id;
        }

        id = Guid.CreateVersion7().ToString("N");
        context.Items[typeof(SpoolIntake)] = id;
        return id;
    }

    /// <summary>
    /// Before forwarding: while earlier requests wait in the spool, a new one joins them rather than overtaking them,
    /// so the runner sees every request in arrival order.
    /// </summary>
    public Task<bool> TryQueueBehindAsync(HttpContext context) =>
        store.HasWaiting ? TrySpoolAsync(context, "behind_spooled") : Task.FromResult(false);

    /// <summary>The spool as <c>/status</c> shows it: <c>{"entries","bytes","oldest_age_seconds"}</c>, as the drainer last read it.</summary>
    public JsonObject Describe()
    {
        var stats = metrics.Stats;
        return new JsonObject
        {
            ["entries"] = stats.Entries,
            ["bytes"] = stats.Bytes,
            ["oldest_age_seconds"] = stats.OldestArrival is { } oldest ? Math.Round(Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds), 1) : 0,
        };
    }

    /// <summary>
    /// <c>/status</c> while the runner is unreachable: still the contract's 502 JSON error, with the spool beside it,
    /// because that is when an operator asks.
    /// </summary>
    public async Task<bool> TryAnswerStatusAsync(HttpContext context)
    {
        if (context.Response.HasStarted || context.GetForwarderErrorFeature() is null
            || context.GetReverseProxyFeature().Route.Config.RouteId != SpoolTransforms.StatusRouteId)
        {
            return false;
        }

        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
        context.Response.Headers.RetryAfter = "5";
        await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = "the runner is unreachable", ["spool"] = Describe() }, context.RequestAborted);
        return true;
    }

    /// <summary>After forwarding: the runner was unreachable, timed out, or answered 502/503/504.</summary>
    public Task<bool> TrySpoolUnavailableAsync(HttpContext context)
    {
        if (context.Response.HasStarted)
        {
            return Task.FromResult(false);
        }

        var reason = context.GetForwarderErrorFeature()?.Error switch
        {
            ForwarderError.Request or ForwarderError.NoAvailableDestinations => "runner_unreachable",
            ForwarderError.RequestTimedOut => "runner_timeout",
            ForwarderError.ResponseHeaders => "runner_dropped",
            _ => context.Features.Get<RunnerUnavailableFeature>() is { } answered ? $"runner_{answered.StatusCode}" : null,
        };
        return reason is null ? Task.FromResult(false) : TrySpoolAsync(context, reason);
    }

    private async Task<bool> TrySpoolAsync(HttpContext context, string reason)
    {
        if (!IsSubmission(context) || context.Features.Get<BufferedBody>() is not { } body || IsHandshake(context, body))
        {
            return false;
        }

        var platform = context.GetPlatform();
        var request = new SpooledRequest
        {
            Id = RequestId(context),
            ArrivedAt = time.GetUtcNow(),
            Method = context.Request.Method,
            Path = context.Request.Path.Value + context.Request.QueryString.Value,
            Platform = platform,
            Identity = context.GetIdentityName(),
            AuthMethod = context.GetAuthMethod(),
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Headers = context.Request.Headers
                .Where(h => SpoolHeaders.Carried.Contains(h.Key) && h.Value.Count > 0)
                .ToDictionary(h => h.Key, h => h.Value[0]!, StringComparer.OrdinalIgnoreCase),
            Body = body.Bytes.ToArray(),
        };

        context.Response.Clear();
        bool stored;
        try
        {
            // Not the request's token: once a client has sent a verified request, its hanging up must not lose it.
            stored = await store.AppendAsync(request, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.AppendFailed(logger, request.Id, ex);
            await rejection.RejectAsync(context, StatusCodes.Status503ServiceUnavailable, "spool_unavailable", "the runner is away and the spool cannot store the request", FullRetry);
            return true;
        }

        if (!stored)
        {
            await rejection.RejectAsync(context, StatusCodes.Status503ServiceUnavailable, "spool_full", "the runner is away and the spool is full", FullRetry);
            return true;
        }

        metrics.Spooled(platform, reason);
        audit.Write(new AuditRecord("webhook_spooled")
        {
            Platform = platform,
            User = request.Identity,
            SpoolId = request.Id,
            Reason = reason,
            RemoteAddress = request.RemoteAddress,
            Method = request.Method,
            Path = context.Request.Path.Value,
            TraceId = context.TraceIdentifier,
        });
        signal.Notify();
        await AnswerAsync(context, platform, request.Id);
        return true;
    }

    /// <summary>What the platform expects right away; the task's own replies follow once the runner has it.</summary>
    private static Task AnswerAsync(HttpContext context, string platform, string id)
    {
        var signed = context.GetAuthMethod() == "signature";
        if (signed && platform == "discord")
        {
            // Type 4 (a channel message) rather than 5 (deferred): the user sees why it waits, and the runner's
            // progress edits this message and its ending follows up on the same interaction token.
            return context.Response.WriteAsJsonAsync(new { type = 4, data = new { content = Acknowledgement } }, context.RequestAborted);
        }

        if (signed && platform == "slack" && IsForm(context))
        {
            return context.Response.WriteAsJsonAsync(new { response_type = "ephemeral", text = Acknowledgement }, context.RequestAborted);
        }

        context.Response.StatusCode = signed && platform == "slack" ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        return context.Response.WriteAsJsonAsync(new { spool_id = id, status = "spooled" }, context.RequestAborted);
    }

    /// <summary>A Discord PING or a Slack URL check: the platform wants the runner's exact answer now, not later.</summary>
    private static bool IsHandshake(HttpContext context, BufferedBody body)
    {
        var platform = context.GetPlatform();
        if (platform is not ("discord" or "slack") || IsForm(context))
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(body.Bytes);
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("type", out var type))
            {
                return false;
            }

            return (platform == "discord" && type.ValueKind == JsonValueKind.Number && type.TryGetInt32(out var t) && t == 1)
                || (platform == "slack" && type.ValueKind == JsonValueKind.String && type.ValueEquals("url_verification"));
        }
        catch (JsonException)
        {
            // Not JSON: the runner will refuse it as malformed, which it may do from the spool as well.
            return false;
        }
    }

    private static bool IsForm(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    private static partial class Log
    {
        [LoggerMessage(910, LogLevel.Error, "Spool: request {SpoolId} could not be stored; answered 503")]
        public static partial void AppendFailed(ILogger logger, string spoolId, Exception exception);
    }
}

/// <summary>Set by the response transform when the runner answered 502, 503 or 504 to a submission.</summary>
internal sealed record RunnerUnavailableFeature(int StatusCode);
