namespace Codeur.Runner.Publishing;

/// <summary>The body of <c>POST /repos/{owner}/{repo}/pulls</c>.</summary>
internal sealed record PullRequestRequest(string Title, string Head, string Base, string Body, bool Draft);
