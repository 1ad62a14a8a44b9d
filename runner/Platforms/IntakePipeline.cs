using Codeur.Runner.Policy;
using Codeur.Runner.Queue;
using Codeur.Runner.Routing;

namespace Codeur.Runner.Platforms;

/// <summary>
/// The intake steps the HTTP layer calls, in order: <see cref="Parse"/> a platform payload, then for a
/// <see cref="IntakeResult.Command"/> <see cref="Decide"/> (requester and command policy, project routing and
/// the path guard) to get the <see cref="NewTask"/> to enqueue. Pure and synchronous; nothing is persisted here.
/// </summary>
internal sealed class IntakePipeline
{
    private readonly Dictionary<string, IPlatformParser> _parsers;
    private readonly CommandPolicy _policy;
    private readonly ProjectRouter _router;
    private readonly bool _worktrees;

    public IntakePipeline(IEnumerable<IPlatformParser> parsers, CommandPolicy policy, ProjectRouter router, Codeur.Configuration.AgentConfig? config = null)
    {
        _parsers = parsers.ToDictionary(p => p.Platform, StringComparer.OrdinalIgnoreCase);
        _policy = policy;
        _router = router;
        _worktrees = config?.Webhook.Sandbox.Worktree ?? true;
    }

    public IReadOnlyCollection<string> Platforms => _parsers.Keys;

    /// <summary>Parses a payload for <paramref name="platform"/> (github, slack, discord, api); an unknown platform is a 404.</summary>
    public IntakeResult Parse(string platform, PlatformRequest request) =>
        _parsers.TryGetValue(platform, out var parser) ? parser.Parse(request) : new IntakeResult.Invalid(404, $"unknown platform '{platform}'");

    /// <summary>Policy, then routing: a task ready for the queue, or the 403/422 that refuses it.</summary>
    public TaskDecision Decide(Commands.CommandRequest request)
    {
        if (_policy.Check(request) is { } refused)
        {
            return TaskDecision.Refused(refused);
        }

        var routed = _router.Route(request);
        if (routed.Route is not { } route)
        {
            return TaskDecision.Refused(routed.Error!);
        }

        return TaskDecision.Accepted(new NewTask
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
            Worktree = request.Command == "run" && _worktrees && HasGitDirectory(route.Path),
        });
    }

    /// <summary>
    /// Whether a run will get its own worktree (and so may run beside other such runs of its project): a real
    /// <c>.git</c> directory at the project root. Only a stat of the guarded path; nothing in the project is read or run.
    /// </summary>
    private static bool HasGitDirectory(string projectPath)
    {
        var git = new DirectoryInfo(Path.Combine(projectPath, ".git"));
        return git.Exists && git.LinkTarget is null;
    }
}
