using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codeur.Runner.Hosting;

/// <summary>
/// <c>{"status":"healthy|unhealthy","components":{"runner":{...},"docker":{"status","description"}}}</c>; 503 names
/// the failing part. Same shape as the gateway's, so one monitor reads both.
/// </summary>
internal static class HealthResponseWriter
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("status", report.Status == HealthStatus.Healthy ? "healthy" : "unhealthy");
        json.WriteStartObject("components");
        json.WriteStartObject("runner");
        json.WriteString("status", "healthy");
        json.WriteEndObject();
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status == HealthStatus.Healthy ? "healthy" : "unhealthy");
            if (entry.Description is { } description)
            {
                json.WriteString("description", description);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        if (report.Status != HealthStatus.Healthy)
        {
            json.WriteString("error", string.Join("; ", report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}")));
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
