using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Codeur.Gateway.Spool;

/// <summary>
/// The two forwarding steps the spool needs: every submission carries its request id (the runner's dedupe key if it
/// is spooled after the runner took it but died before answering), and a runner answer of 502/503/504 to a
/// submission is held back so the request can be spooled instead.
/// </summary>
internal static class SpoolTransforms
{
    /// <summary>Adds the steps when a spool is configured; call after the identity transform, which strips client-sent <c>X-Codeur-*</c>.</summary>
    public static void Add(TransformBuilderContext context)
    {
        if (context.Services.GetService<SpoolIntake>() is not { } spool)
        {
            return;
        }

        context.AddRequestTransform(transform =>
        {
            if (SpoolIntake.IsSubmission(transform.HttpContext))
            {
                transform.ProxyRequest.Headers.TryAddWithoutValidation(SpoolHeaders.RequestId, SpoolIntake.RequestId(transform.HttpContext));
            }

            return ValueTask.CompletedTask;
        });

        context.AddResponseTransform(transform =>
        {
            if (transform.ProxyResponse is { StatusCode: var status } && (int)status is 502 or 503 or 504 && SpoolIntake.IsSubmission(transform.HttpContext))
            {
                transform.SuppressResponseBody = true;
                transform.HttpContext.Features.Set(new RunnerUnavailableFeature((int)status));
            }

            return ValueTask.CompletedTask;
        });

        if (context.Route.RouteId == StatusRouteId)
        {
            context.AddResponseTransform(transform => AddSpoolToStatusAsync(transform, spool));
        }
    }

    public const string StatusRouteId = "status";

    /// <summary>The runner's <c>/status</c> plus the gateway's <c>spool</c>: what waits at this edge is part of the picture.</summary>
    private static async ValueTask AddSpoolToStatusAsync(ResponseTransformContext transform, SpoolIntake spool)
    {
        if (transform.ProxyResponse is not { IsSuccessStatusCode: true } response
            || response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return;
        }

        var status = await response.Content.ReadFromJsonAsync<JsonObject>(transform.CancellationToken);
        if (status is null)
        {
            return;
        }

        transform.SuppressResponseBody = true;
        status["spool"] = spool.Describe();
        var http = transform.HttpContext.Response;
        http.Headers.ContentLength = null;
        await http.WriteAsJsonAsync(status, transform.CancellationToken);
    }
}
