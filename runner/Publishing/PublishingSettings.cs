using System.Collections.Frozen;
using Codeur.Configuration;
using Codeur.Runner.Intake.Routing;

namespace Codeur.Runner.Publishing;

/// <summary>The publishing settings of every project that publishes, by project name (as routing names them).</summary>
internal sealed class PublishingSettings
{
    private readonly FrozenDictionary<string, ProjectPublishing> _projects;

    public PublishingSettings(AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var w = config.Webhook;
        var projects = new Dictionary<string, ProjectPublishing>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in w.ProjectMapping)
        {
            var p = entry.Publish;
            if (p.Mode == PublishSection.None || !PublishSectionValidator.TryParseRemote(p.Remote, out var remote) || remote is null)
            {
                continue;
            }

            var name = ProjectRule.NameOf(entry);
            projects.TryAdd(name, new ProjectPublishing(
                name,
                p.Mode == PublishSection.PullRequest ? PublishMode.PullRequest : PublishMode.Branch,
                remote,
                p.Base,
                PublishSectionValidator.RepositoryOf(p, remote),
                (p.ApiUrl ?? w.Replies.GithubApiUrl).TrimEnd('/'),
                p.Token ?? w.GithubToken ?? "",
                p.Draft,
                p.Network));
        }

        _projects = projects.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public ProjectPublishing? Find(string project) => _projects.GetValueOrDefault(project);

    /// <summary>Remote hosts pushed to through the runner's forge proxy (projects without their own network).</summary>
    public IReadOnlyList<string> ProxiedHosts => [.. _projects.Values.Where(p => p.Network is null).Select(p => p.Remote.Host.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Every forge credential, to mask wherever task output is shown.</summary>
    public IReadOnlyList<string> Tokens => [.. _projects.Values.Select(p => p.Token).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];
}
