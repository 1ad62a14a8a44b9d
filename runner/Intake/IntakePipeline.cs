using System.Text.RegularExpressions;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Platforms;
using Codeur.Runner.Intake.Routing;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Intake;

/// <summary>
/// Intake in the order ARCHITECTURE.md section 4b gives, one step after the other in <see cref="Decide"/>: verified
/// caller → requester and source allowed → parse → command allowed → route (among reachable projects) → project
/// authorisation → path guard → the <see cref="NewTask"/> to enqueue. A caller refused at a step hears about that
/// step only. Pure and synchronous over one rules snapshot; nothing is persisted here.
/// </summary>
internal sealed partial class IntakePipeline
{
    private readonly Dictionary<string, IPlatformParser> _parsers;
    private readonly ProjectRouter _router;
    private readonly IntakeRulesSource _rules;

    public IntakePipeline(IEnumerable<IPlatformParser> parsers, ProjectRouter router, IntakeRulesSource rules)
    {
        _parsers = parsers.ToDictionary(p => p.Platform, StringComparer.OrdinalIgnoreCase);
        _router = router;
        _rules = rules;
    }

    public IReadOnlyCollection<string> Platforms => _parsers.Keys;

    /// <summary>Reads a payload for <paramref name="platform"/> (github, slack, discord, api): who, from where, and the unparsed command; an unknown platform is a 404.</summary>
    public IntakeResult Read(string platform, PlatformRequest request) =>
        _parsers.TryGetValue(platform, out var parser) ? parser.Parse(request, _rules.Current.Commands) : new IntakeResult.Invalid(404, $"unknown platform '{platform}'");

    public IntakeDecision Decide(CallerIdentity caller, IntakeResult.Addressed message)
    {
        var rules = _rules.Current;

        // 1. Requester and source: token scopes, platform trust, workspace and guild allowlists, requester lists.
        var admission = Admission.Admit(caller, message.Template, rules);
        if (admission.IgnoredReason is { } ignored)
        {
            return new IntakeDecision.Ignored(ignored);
        }

        if (admission.Principal is not { } principal)
        {
            return new IntakeDecision.Refused(admission.Error!, message.Template.Requester);
        }

        // Replies go where the request came from only when the platform vouches for it; an untrusted relay's channel or
        // repository is a claim, and the runner's tokens must not post there on its word. It follows the task API.
        var request = message.Template with { Requester = principal.Requester, ReplyContext = principal.Trusted ? message.Template.ReplyContext : null };

        // 2. Parse.
        var parsed = message.Input.Parse(rules.Commands);
        if (parsed.Line is not { } line)
        {
            return parsed.Error is { } error
                ? new IntakeDecision.Refused(error, request.Requester, ReplyContext: request.ReplyContext)
                : new IntakeDecision.Ignored("not a command");
        }

        request = request with { Command = line.Command, Args = line.Args, ProjectHint = line.ProjectHint ?? request.ProjectHint };

        // 3. Command allowed.
        if (!rules.Settings.IsAllowed(line.Command))
        {
            return new IntakeDecision.Refused(CommandLineParser.CommandNotAllowed(line.Command, rules.Settings), request.Requester, ReplyContext: request.ReplyContext);
        }

        // Cancel and status of a task are about that task (TaskAccess decides), not about a project.
        if (line.Command == "cancel" || (line.Command == "status" && line.Args is [{ } id] && IsTaskId(id)))
        {
            return new IntakeDecision.TaskCommand(request, principal);
        }

        // 4. Route, among the projects this source may reach.
        var routed = _router.Route(request, principal, rules.Projects);
        if (routed.Project is not { } project)
        {
            return new IntakeDecision.Refused(routed.Error!, request.Requester, ReplyContext: request.ReplyContext);
        }

        // 5. Project authorisation: this command, by this caller, on this project.
        if (!project.Permits(principal, line.Command))
        {
            return new IntakeDecision.Refused(IntakeError.Forbidden($"you may not use '{line.Command}' on project '{project.Name}'"), request.Requester, project.Name, request.ReplyContext);
        }

        // 6. Path guard.
        var guarded = _router.Guard(project);
        if (guarded.Route is not { } route)
        {
            return new IntakeDecision.Refused(guarded.Error!, request.Requester, project.Name, request.ReplyContext);
        }

        return new IntakeDecision.Accepted(
            new NewTask
            {
                Platform = request.Platform,
                Command = request.Command,
                Args = request.Args,
                Project = route.Name,
                ProjectPath = route.Path,
                Requester = request.Requester,
                Repository = request.Repository,
                DedupeKey = request.DedupeKey,
                ReplyContext = request.ReplyContext,
                Worktree = request.Command == "run" && rules.Worktrees && HasGitDirectory(route.Path),
            },
            request);
    }

    /// <summary>Task ids are 32 lower-case hex digits (a version 7 GUID).</summary>
    public static bool IsTaskId(string value) => TaskId().IsMatch(value);

    /// <summary>
    /// Whether a run will get its own worktree (and so may run beside other such runs of its project): a real
    /// <c>.git</c> directory at the project root. Only a stat of the guarded path; nothing in the project is read or run.
    /// </summary>
    private static bool HasGitDirectory(string projectPath)
    {
        var git = new DirectoryInfo(Path.Combine(projectPath, ".git"));
        return git.Exists && git.LinkTarget is null;
    }

    [GeneratedRegex("^[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TaskId();
}
