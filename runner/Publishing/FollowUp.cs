namespace Codeur.Runner.Publishing;

/// <summary>A <c>run</c> commented on one of our pull requests: it continues that pull request's branch.</summary>
internal sealed record FollowUp(string Branch, PullRequestInfo PullRequest);
