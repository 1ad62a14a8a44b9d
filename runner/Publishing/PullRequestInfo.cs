namespace Codeur.Runner.Publishing;

/// <summary>The fields of a GitHub pull request the runner acts on.</summary>
/// <param name="HeadRepository">The head branch's repository (<c>owner/name</c>); null when it was deleted.</param>
internal sealed record PullRequestInfo(int Number, string HtmlUrl, string State, string HeadRef, string? HeadRepository);
