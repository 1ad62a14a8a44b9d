using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Codeur.Configuration;

namespace Codeur.Runner.Intake.Routing;

/// <summary>
/// One compiled <c>project_mapping</c> entry with its authorisation: who may reach the project (<see cref="Reaches"/>)
/// and who may use which command on it (<see cref="Permits"/>). Immutable; a reload builds new ones.
/// </summary>
internal sealed class ProjectRule
{
    private readonly ProjectAccessSection? _allow;
    private readonly FrozenDictionary<string, CommandAccessSection> _commands;

    public ProjectRule(ProjectMappingEntry entry, TimeSpan matchTimeout)
    {
        Name = NameOf(entry);
        Path = entry.Path;
        Pattern = new Regex(entry.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeout);
        _allow = entry.Allow;
        _commands = (entry.Commands ?? []).Where(c => c.Value is not null).ToFrozenDictionary(StringComparer.Ordinal);
    }

    public string Name { get; }

    public string Path { get; }

    public Regex Pattern { get; }

    /// <summary>
    /// Whether <paramref name="caller"/> may reach this project at all. Without <c>allow</c>: a GitHub repository
    /// reaches the projects whose pattern matches its full name (so a hint cannot leave them); a Slack team or Discord
    /// guild on the platform allowlist and any token reach every project. With <c>allow</c>: only the sources it lists.
    /// A pattern that times out counts as no match.
    /// </summary>
    public bool Reaches(Principal caller)
    {
        if (_allow is null)
        {
            return !caller.Trusted || caller.Platform != "github" || (caller.Repository is { } repository && Matches(repository));
        }

        var source = caller.Trusted
            ? caller.Platform switch
            {
                "github" => caller.Repository is { } repository && (_allow.Repositories?.Any(r => RepositoryMatches(r, repository)) ?? false),
                "slack" => InWorkspace(_allow.Slack, caller),
                "discord" => InWorkspace(_allow.Discord, caller),
                _ => false,
            }
            : caller.Token is { } token && (_allow.Tokens?.Contains(token, StringComparer.Ordinal) ?? false);
        return source && (_allow.Requesters is null || Listed(_allow.Requesters, caller, absentAdmits: true));
    }

    /// <summary>Whether <paramref name="caller"/> may use <paramref name="command"/> here; a command without a rule is open to whoever reaches the project.</summary>
    public bool Permits(Principal caller, string command)
    {
        if (!_commands.TryGetValue(command, out var rule))
        {
            return true;
        }

        if (caller.Association is { } association && caller.Trusted && (rule.Associations?.Contains(association, StringComparer.OrdinalIgnoreCase) ?? false))
        {
            return true;
        }

        if (rule.Tokens is { } tokens && caller.Token is { } token && !caller.Trusted && tokens.Contains(token, StringComparer.Ordinal))
        {
            return true;
        }

        return rule.Requesters is { } requesters && caller.Trusted && Listed(requesters, caller, absentAdmits: false);
    }

    public bool Matches(string key)
    {
        try
        {
            return Pattern.IsMatch(key);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>The entry's <c>name</c>, else the last segment of its path (<c>/srv/projects/backend</c> → <c>backend</c>).</summary>
    public static string NameOf(ProjectMappingEntry entry)
    {
        if (!string.IsNullOrWhiteSpace(entry.Name))
        {
            return entry.Name.Trim();
        }

        var name = System.IO.Path.GetFileName(entry.Path.TrimEnd('/', '\\'));
        return name.Length > 0 ? name : entry.Path;
    }

    /// <summary><c>owner/name</c> exactly, or <c>owner/*</c> for every repository of the owner; case-insensitive like GitHub.</summary>
    public static bool RepositoryMatches(string rule, string repository) =>
        rule.EndsWith("/*", StringComparison.Ordinal)
            ? repository.StartsWith(rule[..^1], StringComparison.OrdinalIgnoreCase) && repository.IndexOf('/', rule.Length - 1) < 0
            : string.Equals(rule, repository, StringComparison.OrdinalIgnoreCase);

    private static bool InWorkspace(List<string>? entries, Principal caller)
    {
        if (entries is null)
        {
            return false;
        }

        foreach (var entry in entries)
        {
            if (entry == AgentConfigValidator.AnySource)
            {
                return true;
            }

            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var workspace = slash < 0 ? entry : entry[..slash];
            if (!string.Equals(workspace, caller.Team ?? caller.Guild, StringComparison.Ordinal))
            {
                continue;
            }

            if (slash < 0 || string.Equals(entry[(slash + 1)..], caller.Channel, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The trusted user in its platform's list, or an untrusted token's identity (<c>token:NAME</c>) in <c>api</c>.
    /// <paramref name="absentAdmits"/>: whether a platform without a list lets everyone through (narrowing) or nobody.
    /// </summary>
    private static bool Listed(RequestersSection requesters, Principal caller, bool absentAdmits)
    {
        var (list, who) = caller.Trusted
            ? (caller.Platform switch
            {
                "github" => requesters.Github,
                "slack" => requesters.Slack,
                "discord" => requesters.Discord,
                _ => null,
            }, caller.User!)
            : (requesters.Api, CallerIdentity.TokenPrefix + caller.Token);
        return list is null ? absentAdmits : list.Contains(who, StringComparer.OrdinalIgnoreCase);
    }
}
