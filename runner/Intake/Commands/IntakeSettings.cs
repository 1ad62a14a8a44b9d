using System.Collections.Frozen;
using Codeur.Configuration;

namespace Codeur.Runner.Intake.Commands;

/// <summary>
/// The immutable snapshot of the intake keys of <c>.agent.yaml</c> that parsers and policy read. Rebuilt, never
/// mutated, when the configuration changes.
/// </summary>
internal sealed class IntakeSettings
{
    public const string DefaultPrefix = "!agent";

    public string CommandPrefix { get; init; } = DefaultPrefix;

    public int MaxTaskLength { get; init; } = 4000;

    /// <summary><c>allowed_commands</c> plus <c>cancel</c>, which a requester may always use on their own task.</summary>
    public IReadOnlyList<string> AllowedCommands { get; init; } = ["run", "analyze", "search", "status", "cancel"];

    public FrozenSet<string> GitHubAllowedAssociations { get; init; } =
        new GithubSection().AllowedAssociations.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public bool GitHubAllowBots { get; init; }

    /// <summary><c>event</c> or <c>event.action</c> → command.</summary>
    public FrozenDictionary<string, string> GitHubEvents { get; init; } = new GithubSection().Events.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Platform → allowed requesters; a platform that is absent allows anyone.</summary>
    public FrozenDictionary<string, FrozenSet<string>> Requesters { get; init; } = FrozenDictionary<string, FrozenSet<string>>.Empty;

    public string AllowedCommandList => string.Join(", ", AllowedCommands);

    public bool IsAllowed(string command) => AllowedCommands.Contains(command, StringComparer.Ordinal);

    public static IntakeSettings From(WebhookSection webhook)
    {
        var requesters = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        Add("github", webhook.Requesters.Github);
        Add("slack", webhook.Requesters.Slack);
        Add("discord", webhook.Requesters.Discord);
        Add("api", webhook.Requesters.Api);

        return new IntakeSettings
        {
            CommandPrefix = webhook.CommandPrefix,
            MaxTaskLength = webhook.MaxTaskLength,
            AllowedCommands = [.. webhook.AllowedCommands.Append("cancel").Distinct(StringComparer.Ordinal)],
            GitHubAllowedAssociations = webhook.Github.AllowedAssociations.ToFrozenSet(StringComparer.OrdinalIgnoreCase),
            GitHubAllowBots = webhook.Github.AllowBots,
            GitHubEvents = webhook.Github.Events.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            Requesters = requesters.ToFrozenDictionary(StringComparer.Ordinal),
        };

        void Add(string platform, List<string>? list)
        {
            if (list is not null)
            {
                requesters[platform] = list.Select(r => r.Trim()).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
            }
        }
    }
}
