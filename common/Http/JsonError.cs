using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Codeur.Http;

/// <summary>Every rejection in both services answers <c>{"error": "..."}</c> with the contract's status code.</summary>
public static class JsonError
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string message, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.Clear();
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } wait)
        {
            // Whole seconds, rounded up: a client that waits exactly this long is let through.
            response.Headers[HeaderNames.RetryAfter] = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await using var json = new Utf8JsonWriter(response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("error"u8, message);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
