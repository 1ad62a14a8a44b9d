using System.Text.RegularExpressions;

namespace Codeur.Configuration;

/// <summary>Checks one <c>project_mapping[].publish</c> section; messages name the key, never the value.</summary>
public static partial class PublishSectionValidator
{
    public static IEnumerable<ConfigError> Validate(PublishSection publish, string at)
    {
        ArgumentNullException.ThrowIfNull(publish);
        if (publish.Mode is not (PublishSection.None or PublishSection.Branch or PublishSection.PullRequest))
        {
            yield return new($"{at}.mode", "must be one of: none, branch, pull_request");
            yield break;
        }

        if (publish.Mode == PublishSection.None)
        {
            yield break;
        }

        if (!TryParseRemote(publish.Remote, out var remote))
        {
            yield return new($"{at}.remote", "must be an absolute https:// (or http://) URL without credentials, query or fragment");
        }

        if (!IsBranchName(publish.Base))
        {
            yield return new($"{at}.base", "must be a plain branch name");
        }

        if (publish.Repository is not null && !RepositoryName().IsMatch(publish.Repository))
        {
            yield return new($"{at}.repository", "must be owner/name");
        }

        if (publish.ApiUrl is not null && !Uri.TryCreate(publish.ApiUrl, UriKind.Absolute, out _))
        {
            yield return new($"{at}.api_url", "must be an absolute URL");
        }

        if (publish.Network is not null && !NetworkName().IsMatch(publish.Network))
        {
            yield return new($"{at}.network", "must be a Docker network name");
        }

        if (publish.Mode == PublishSection.PullRequest && remote is not null && RepositoryOf(publish, remote) is null)
        {
            yield return new($"{at}.repository", "cannot be derived from the remote's path; set owner/name");
        }
    }

    /// <summary>The remote as a URL the push may use: http(s), a host, no user info, query or fragment.</summary>
    public static bool TryParseRemote(string? value, out Uri? remote)
    {
        remote = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0)
        {
            return false;
        }

        remote = uri;
        return true;
    }

    /// <summary><c>owner/name</c>: the configured one, else the remote's path without <c>.git</c>.</summary>
    public static string? RepositoryOf(PublishSection publish, Uri remote)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(remote);
        if (publish.Repository is not null)
        {
            return publish.Repository;
        }

        var path = remote.AbsolutePath.Trim('/');
        if (path.EndsWith(".git", StringComparison.Ordinal))
        {
            path = path[..^4];
        }

        var parts = path.Split('/');
        var candidate = parts.Length >= 2 ? parts[^2] + "/" + parts[^1] : null;
        return candidate is not null && RepositoryName().IsMatch(candidate) ? candidate : null;
    }

    public static bool IsBranchName(string? value) =>
        value is not null && BranchName().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal) && !value.EndsWith(".lock", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")]
    private static partial Regex BranchName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex NetworkName();
}
