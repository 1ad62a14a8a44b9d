using System.Collections.Frozen;
using Codeur.Configuration;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Routing;

namespace Codeur.Runner.Intake;

/// <summary>
/// Everything intake decides with, built once per configuration: command settings, workspace and guild allowlists,
/// admins, the compiled project rules. Immutable: a reload builds a new snapshot and swaps it in whole, so one
/// request never sees half of an old file and half of a new one.
/// </summary>
internal sealed class IntakeRules
{
    private IntakeRules(AgentConfig config, TimeSpan matchTimeout)
    {
        var w = config.Webhook;
        Commands = new CommandLineParser(IntakeSettings.From(w));
        Teams = Allowlist(w.Slack.Teams);
        Guilds = Allowlist(w.Discord.Guilds);
        Admins = new Dictionary<string, FrozenSet<string>>
        {
            ["github"] = Set(w.Replies.Admins.Github),
            ["slack"] = Set(w.Replies.Admins.Slack),
            ["discord"] = Set(w.Replies.Admins.Discord),
        }.ToFrozenDictionary(StringComparer.Ordinal);
        Projects = [.. w.ProjectMapping.Select(entry => new ProjectRule(entry, matchTimeout))];
        Worktrees = w.Sandbox.Worktree;
    }

    public CommandLineParser Commands { get; }

    public IntakeSettings Settings => Commands.Settings;

    /// <summary><c>slack.teams</c>; null when unset (no signed Slack request is admitted).</summary>
    public FrozenSet<string>? Teams { get; }

    /// <summary><c>discord.guilds</c>; null when unset.</summary>
    public FrozenSet<string>? Guilds { get; }

    public FrozenDictionary<string, FrozenSet<string>> Admins { get; }

    public IReadOnlyList<ProjectRule> Projects { get; }

    public bool Worktrees { get; }

    public static IntakeRules From(AgentConfig config, TimeSpan? matchTimeout = null) => new(config, matchTimeout ?? ProjectRouter.DefaultMatchTimeout);

    /// <summary>Whether a Slack team or Discord guild is on its allowlist (<c>*</c> admits any, including none).</summary>
    public bool AllowsWorkspace(string platform, string? workspace)
    {
        var list = platform == "slack" ? Teams : platform == "discord" ? Guilds : null;
        if (list is null)
        {
            return platform is not ("slack" or "discord");
        }

        return list.Contains(AgentConfigValidator.AnySource) || (workspace is not null && list.Contains(workspace));
    }

    public bool IsAdmin(string platform, string user) => Admins.TryGetValue(platform, out var admins) && admins.Contains(user);

    private static FrozenSet<string>? Allowlist(List<string>? ids) => ids?.Select(i => i.Trim()).ToFrozenSet(StringComparer.Ordinal);

    private static FrozenSet<string> Set(List<string>? list) => (list ?? []).Select(i => i.Trim()).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
