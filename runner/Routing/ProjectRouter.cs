using System.Text.RegularExpressions;
using Codeur.Configuration;
using Codeur.Runner.Commands;

namespace Codeur.Runner.Routing;

/// <summary>
/// Maps a command to a project (ARCHITECTURE.md section 3). The routing key is the <c>--project</c> hint (an
/// entry's name, else its pattern), else the repository full name, else the task text. Patterns are
/// case-insensitive, compiled once, tried in order with a match timeout; the first match wins and a timeout
/// counts as no match. The chosen directory then goes through the path guard.
/// </summary>
internal sealed partial class ProjectRouter
{
    public static readonly TimeSpan DefaultMatchTimeout = TimeSpan.FromMilliseconds(50);

    private readonly Project[] _projects;
    private readonly IProjectPathGuard _guard;
    private readonly ILogger<ProjectRouter> _logger;
    private readonly string _knownNames;

    public ProjectRouter(IEnumerable<ProjectMappingEntry> mapping, IProjectPathGuard guard, ILogger<ProjectRouter> logger, TimeSpan? matchTimeout = null)
    {
        var timeout = matchTimeout ?? DefaultMatchTimeout;
        _projects = [.. mapping.Select(entry => new Project(
            NameOf(entry),
            entry.Path,
            new Regex(entry.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, timeout)))];
        _guard = guard;
        _logger = logger;
        _knownNames = _projects.Length == 0 ? "(none configured)" : string.Join(", ", _projects.Select(p => p.Name));
    }

    public IReadOnlyList<string> ProjectNames => [.. _projects.Select(p => p.Name)];

    public RouteResult Route(CommandRequest request)
    {
        Project? project;
        string described;
        if (!string.IsNullOrWhiteSpace(request.ProjectHint))
        {
            var hint = request.ProjectHint.Trim();
            project = Array.Find(_projects, p => string.Equals(p.Name, hint, StringComparison.OrdinalIgnoreCase)) ?? FirstMatch(hint);
            described = $"project '{Shorten(hint)}'";
        }
        else if (!string.IsNullOrWhiteSpace(request.Repository))
        {
            project = FirstMatch(request.Repository);
            described = $"repository '{Shorten(request.Repository)}'";
        }
        else
        {
            project = FirstMatch(request.RoutingText ?? request.TaskText);
            described = "the task text";
        }

        if (project is null)
        {
            return RouteResult.Failed($"no project matches {described}; known projects: {_knownNames}");
        }

        var check = _guard.Check(project.Path);
        if (!check.IsAllowed)
        {
            Log.PathRefused(_logger, project.Name, check.Message);
            return RouteResult.Failed($"project '{project.Name}': {check.Reason}");
        }

        return RouteResult.Routed(new ProjectRoute(project.Name, check.ResolvedPath!));
    }

    private Project? FirstMatch(string key)
    {
        for (var i = 0; i < _projects.Length; i++)
        {
            try
            {
                if (_projects[i].Pattern.IsMatch(key))
                {
                    return _projects[i];
                }
            }
            catch (RegexMatchTimeoutException ex)
            {
                Log.PatternTimedOut(_logger, i, _projects[i].Name, ex.MatchTimeout.TotalMilliseconds);
            }
        }

        return null;
    }

    /// <summary>The entry's <c>name</c>, else the last segment of its path (<c>/srv/projects/backend</c> → <c>backend</c>).</summary>
    public static string NameOf(ProjectMappingEntry entry)
    {
        if (!string.IsNullOrWhiteSpace(entry.Name))
        {
            return entry.Name.Trim();
        }

        var name = Path.GetFileName(entry.Path.TrimEnd('/', '\\'));
        return name.Length > 0 ? name : entry.Path;
    }

    private static string Shorten(string value) => value.Length > 60 ? value[..60] + "…" : value;

    private sealed record Project(string Name, string Path, Regex Pattern);

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "project_mapping[{Index}] ({Project}) timed out after {TimeoutMs} ms and counts as no match; simplify the pattern")]
        public static partial void PatternTimedOut(ILogger logger, int index, string project, double timeoutMs);

        [LoggerMessage(301, LogLevel.Warning, "Project {Project} refused by the path guard: {Reason}")]
        public static partial void PathRefused(ILogger logger, string project, string reason);
    }
}
