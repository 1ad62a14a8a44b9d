using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Intake.Routing;

/// <summary>
/// Maps a command to a project (ARCHITECTURE.md section 3), choosing only among the projects the caller may reach
/// (section 4b): a hint, a repository or a task text that names another project finds nothing, and the refusal
/// lists only reachable projects. The routing key is the <c>--project</c> hint (an entry's name, else its pattern),
/// else the repository full name, else the task text. Patterns are tried in order with a match timeout; the
/// first match wins and a timeout counts as no match.
/// </summary>
internal sealed partial class ProjectRouter(IProjectPathGuard guard, ILogger<ProjectRouter> logger)
{
    public static readonly TimeSpan DefaultMatchTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>The project the request names among those <paramref name="caller"/> reaches, or the 422 that says none does.</summary>
    public RouteResult Route(CommandRequest request, Principal caller, IReadOnlyList<ProjectRule> projects)
    {
        var reachable = projects.Where(p => p.Reaches(caller)).ToArray();
        ProjectRule? project;
        string described;
        if (!string.IsNullOrWhiteSpace(request.ProjectHint))
        {
            var hint = request.ProjectHint.Trim();
            project = Array.Find(reachable, p => string.Equals(p.Name, hint, StringComparison.OrdinalIgnoreCase)) ?? FirstMatch(reachable, hint);
            described = $"project '{Shorten(hint)}'";
        }
        else if (!string.IsNullOrWhiteSpace(request.Repository))
        {
            project = FirstMatch(reachable, request.Repository);
            described = $"repository '{Shorten(request.Repository)}'";
        }
        else
        {
            project = FirstMatch(reachable, request.RoutingText ?? request.TaskText);
            described = "the task text";
        }

        if (project is null)
        {
            var known = reachable.Length == 0 ? "(none you may use)" : string.Join(", ", reachable.Select(p => p.Name));
            return RouteResult.Failed($"no project matches {described}; known projects: {known}");
        }

        return RouteResult.Routed(project);
    }

    /// <summary>The path guard, last before the queue: the directory the container will mount, canonical and allowed.</summary>
    public RouteResult Guard(ProjectRule project)
    {
        var check = guard.Check(project.Path);
        if (!check.IsAllowed)
        {
            Log.PathRefused(logger, project.Name, check.Message);
            return RouteResult.Failed($"project '{project.Name}': {check.Reason}");
        }

        return RouteResult.Guarded(new ProjectRoute(project.Name, check.ResolvedPath!));
    }

    private ProjectRule? FirstMatch(ProjectRule[] projects, string key)
    {
        for (var i = 0; i < projects.Length; i++)
        {
            try
            {
                if (projects[i].Pattern.IsMatch(key))
                {
                    return projects[i];
                }
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException ex)
            {
                Log.PatternTimedOut(logger, projects[i].Name, ex.MatchTimeout.TotalMilliseconds);
            }
        }

        return null;
    }

    private static string Shorten(string value) => value.Length > 60 ? value[..60] + "…" : value;

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "project_mapping {Project} timed out after {TimeoutMs} ms and counts as no match; simplify the pattern")]
        public static partial void PatternTimedOut(ILogger logger, string project, double timeoutMs);

        [LoggerMessage(301, LogLevel.Warning, "Project {Project} refused by the path guard: {Reason}")]
        public static partial void PathRefused(ILogger logger, string project, string reason);
    }
}
