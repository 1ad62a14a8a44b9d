using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codeur.Runner.Publishing;

/// <summary>
/// The two GitHub REST calls publishing needs: open a pull request, and read one (to continue its branch on a
/// follow-up). The base URL is per project (<c>publish.api_url</c>), so GitHub Enterprise and the tests' stand-in work.
/// </summary>
internal sealed class GitHubPullRequests(IHttpClientFactory clients)
{
    public const string ClientName = "codeur-publishing";

    public async Task<PullRequestInfo> CreateAsync(ProjectPublishing project, PullRequestRequest pull, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(pull);
        var body = new JsonObject
        {
            ["title"] = pull.Title,
            ["head"] = pull.Head,
            ["base"] = pull.Base,
            ["body"] = pull.Body,
            ["draft"] = pull.Draft,
        };
        using var request = Request(HttpMethod.Post, project, $"/repos/{project.Repository}/pulls");
        request.Content = JsonContent.Create(body);
        return await SendAsync(request, "open the pull request", cancellationToken);
    }

    public async Task<PullRequestInfo> GetAsync(ProjectPublishing project, int number, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        using var request = Request(HttpMethod.Get, project, string.Create(CultureInfo.InvariantCulture, $"/repos/{project.Repository}/pulls/{number}"));
        return await SendAsync(request, "read the pull request", cancellationToken);
    }

    private static HttpRequestMessage Request(HttpMethod method, ProjectPublishing project, string path)
    {
        var request = new HttpRequestMessage(method, project.ApiUrl + path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.Token);
        return request;
    }

    private async Task<PullRequestInfo> SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        using var http = clients.CreateClient(ClientName);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new PublishingException(string.Create(CultureInfo.InvariantCulture,
                $"GitHub refused to {what}: {(int)response.StatusCode} {Message(text)}"));
        }

        try
        {
            var json = JsonNode.Parse(text);
            var number = json?["number"]?.GetValue<int>();
            var url = json?["html_url"]?.GetValue<string>();
            var head = json?["head"];
            if (number is null || url is null || !Uri.TryCreate(url, UriKind.Absolute, out _) || head?["ref"]?.GetValue<string>() is not { } headRef)
            {
                throw new PublishingException($"GitHub's answer to {what} has no number, html_url or head.ref");
            }

            return new PullRequestInfo(number.Value, url, json?["state"]?.GetValue<string>() ?? "open", headRef, head["repo"]?["full_name"]?.GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new PublishingException($"GitHub's answer to {what} is not a pull request: {ex.Message}");
        }
    }

    /// <summary>GitHub's <c>message</c> (and the first validation error), capped; never the raw body.</summary>
    private static string Message(string text)
    {
        try
        {
            var json = JsonNode.Parse(text);
            var message = json?["message"]?.GetValue<string>() ?? "";
            if (json?["errors"] is JsonArray { Count: > 0 } errors && errors[0]?["message"]?.GetValue<string>() is { } first)
            {
                message += ": " + first;
            }

            return message.Length > 300 ? message[..300] : message;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return "(no JSON error message)";
        }
    }
}
