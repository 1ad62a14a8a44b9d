using System.Text.RegularExpressions;

namespace Codeur.Configuration;

public static partial class AgentConfigValidator
{
    public const string AnySource = "*";

    /// <summary>
    /// <c>slack.teams</c> / <c>discord.guilds</c> once the platform's signing key is set. The loader also runs this
    /// before it drops the other service's secrets: the runner enforces the allowlists that the gateway's keys imply.
    /// </summary>
    internal static IEnumerable<ConfigError> ValidatePlatformAllowlists(WebhookSection w)
    {
        const string p = "webhook";

        // A signing secret means the platform itself calls us; without an allowlist anyone who installs the app would.
        if (w.SlackSigningSecret is not null && w.Slack.Teams is null)
        {
            yield return new($"{p}.slack.teams", "is required when slack_signing_secret is set: list the team ids (T...) that may use the agent, or [\"*\"] for any workspace");
        }

        if (w.DiscordPublicKey is not null && w.Discord.Guilds is null)
        {
            yield return new($"{p}.discord.guilds", "is required when discord_public_key is set: list the guild ids that may use the agent, or [\"*\"] for any guild");
        }
    }

    /// <summary>
    /// A forge credential for every project that publishes (its <c>publish.token</c> or <c>github_token</c>). The loader
    /// runs this before it drops the other service's secrets: the gateway never holds the runner's tokens, yet a file
    /// that gives the runner none must fail for both.
    /// </summary>
    internal static IEnumerable<ConfigError> ValidatePublishCredentials(WebhookSection w)
    {
        for (var i = 0; i < w.ProjectMapping.Count; i++)
        {
            var publish = w.ProjectMapping[i].Publish;
            if (publish.Mode != PublishSection.None && string.IsNullOrEmpty(publish.Token ?? w.GithubToken))
            {
                yield return new($"webhook.project_mapping[{i}].publish.token", "is required to publish (or set github_token)");
            }
        }
    }

    /// <summary>Workspace and guild allowlists, and the per-project <c>allow</c> and <c>commands</c> rules.</summary>
    private static IEnumerable<ConfigError> ValidateAccess(WebhookSection w)
    {
        const string p = "webhook";

        foreach (var error in ValidatePlatformAllowlists(w))
        {
            yield return error;
        }

        foreach (var error in Ids($"{p}.slack.teams", w.Slack.Teams, allowChannel: false).Concat(Ids($"{p}.discord.guilds", w.Discord.Guilds, allowChannel: false)))
        {
            yield return error;
        }

        for (var i = 0; i < w.ProjectMapping.Count; i++)
        {
            var entry = w.ProjectMapping[i];
            var at = $"{p}.project_mapping[{i}]";
            if (entry.Allow is { } allow)
            {
                for (var j = 0; allow.Repositories is not null && j < allow.Repositories.Count; j++)
                {
                    if (!RepositoryRule().IsMatch(allow.Repositories[j] ?? ""))
                    {
                        yield return new($"{at}.allow.repositories[{j}]", "must be owner/name or owner/*");
                    }
                }

                foreach (var error in Ids($"{at}.allow.slack", allow.Slack, allowChannel: true)
                    .Concat(Ids($"{at}.allow.discord", allow.Discord, allowChannel: true))
                    .Concat(Names($"{at}.allow.tokens", allow.Tokens))
                    .Concat(Requesters($"{at}.allow.requesters", allow.Requesters)))
                {
                    yield return error;
                }
            }

            foreach (var (command, rule) in entry.Commands ?? [])
            {
                var key = $"{at}.commands.{command}";
                if (!KnownCommands.Contains(command) || command == "cancel")
                {
                    yield return new($"{at}.commands", "keys are run, analyze, search or status");
                    continue;
                }

                if (rule is null)
                {
                    continue;
                }

                for (var j = 0; rule.Associations is not null && j < rule.Associations.Count; j++)
                {
                    if (!KnownAssociations.Contains(rule.Associations[j] ?? ""))
                    {
                        yield return new($"{key}.associations[{j}]", $"unknown author association; known: {string.Join(", ", KnownAssociations)}");
                    }
                }

                foreach (var error in Names($"{key}.tokens", rule.Tokens).Concat(Requesters($"{key}.requesters", rule.Requesters)))
                {
                    yield return error;
                }
            }
        }
    }

    private static IEnumerable<ConfigError> Ids(string key, List<string>? ids, bool allowChannel)
    {
        for (var i = 0; ids is not null && i < ids.Count; i++)
        {
            var id = ids[i] ?? "";
            var valid = id == AnySource || (allowChannel ? ScopedId().IsMatch(id) : PlatformId().IsMatch(id));
            if (!valid)
            {
                yield return new($"{key}[{i}]", allowChannel ? "must be an id, ID/CHANNEL_ID or *" : "must be an id (letters and digits) or *");
            }
        }
    }

    private static IEnumerable<ConfigError> Names(string key, List<string>? names)
    {
        for (var i = 0; names is not null && i < names.Count; i++)
        {
            if (!TokenName().IsMatch(names[i] ?? ""))
            {
                yield return new($"{key}[{i}]", "must be a token name (letters, digits, '-', '_' and '.')");
            }
        }
    }

    private static IEnumerable<ConfigError> Requesters(string key, RequestersSection? requesters)
    {
        if (requesters is null)
        {
            yield break;
        }

        (string Name, List<string>? List)[] lists = [("github", requesters.Github), ("slack", requesters.Slack), ("discord", requesters.Discord), ("api", requesters.Api)];
        foreach (var (name, list) in lists)
        {
            for (var i = 0; list is not null && i < list.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(list[i]))
                {
                    yield return new($"{key}.{name}[{i}]", "is empty");
                }
            }
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}/([A-Za-z0-9._-]{1,100}|\*)$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryRule();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlatformId();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,64}(/[A-Za-z0-9]{1,64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ScopedId();
}
