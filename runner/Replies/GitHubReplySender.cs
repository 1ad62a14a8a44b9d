using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Codeur.Configuration;

namespace Codeur.Runner.Replies;

/// <summary>
/// GitHub issue and pull request comments through the REST API (<c>replies.github_api_url</c>, <c>github_token</c>):
/// the acknowledgement and each ending are comments, progress edits the acknowledgement.
/// </summary>
internal sealed partial class GitHubReplySender(HttpClient http, AgentConfig config) : IReplySender
{
    /// <summary>GitHub's maximum comment body.</summary>
    public const int MaxBody = 65_536;

    private readonly string _api = config.Webhook.Replies.GithubApiUrl.TrimEnd('/');
    private readonly string? _token = config.Webhook.GithubToken;

    public string Platform => "github";

    public async Task<ReplyDelivery> SendAsync(StoredReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (_token is null)
        {
            return ReplyDelivery.GiveUp("github_token is not configured");
        }

        var context = ReplyContext.Parse(reply.Reply.Context);
        var repository = context["repository"];
        var number = context["issue_number"];
        if (repository is null || !RepositoryName().IsMatch(repository) || number is null || !long.TryParse(number, out _))
        {
            return ReplyDelivery.GiveUp("the task has no GitHub issue or pull request to comment on");
        }

        var body = ReplyText.Render(reply.Reply.Content, MaxBody, maxMessages: 1)[0];
        if (reply.Reply.Kind == ReplyKind.Progress)
        {
            // Progress edits the acknowledgement; without one there is nothing to edit (and a new comment would notify everyone).
            return reply.AckRef is { } commentId && long.TryParse(commentId, out _)
                ? await SendCoreAsync(HttpMethod.Patch, $"/repos/{repository}/issues/comments/{commentId}", body, cancellationToken)
                : ReplyDelivery.Sent(null);
        }

        return await SendCoreAsync(HttpMethod.Post, $"/repos/{repository}/issues/{number}/comments", body, cancellationToken);
    }

    private async Task<ReplyDelivery> SendCoreAsync(HttpMethod method, string path, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, _api + path)
        {
            Content = JsonContent.Create(new JsonObject { ["body"] = body }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await http.SendAsync(request, cancellationToken);
        if (PlatformResponse.Failure(response, $"GitHub {method} comment") is { } failure)
        {
            return failure;
        }

        var created = await PlatformResponse.ReadJsonAsync(response, cancellationToken);
        return ReplyDelivery.Sent(created?["id"]?.ToString());
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex RepositoryName();
}
