using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codeur.Runner.Replies;

/// <summary>Turns a platform's HTTP answer into a <see cref="ReplyDelivery"/> verdict: 429 and 5xx are retried, other 4xx are not.</summary>
internal static class PlatformResponse
{
    public static ReplyDelivery? Failure(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var status = (int)response.StatusCode;
        var error = $"{what}: HTTP {status}";
        return response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout
            ? ReplyDelivery.Retry(error, RetryAfter(response.Headers.RetryAfter))
            : ReplyDelivery.GiveUp(error);
    }

    // Only the seconds form: platforms send it that way, and a date would need the clock here.
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header?.Delta;

    /// <summary>The answer's JSON object, or null when there is none (204, or a body that is not JSON).</summary>
    public static async Task<JsonObject?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
