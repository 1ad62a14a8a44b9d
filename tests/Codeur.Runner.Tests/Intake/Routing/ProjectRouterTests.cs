using System.Diagnostics;
using Codeur.Configuration;
using Codeur.Runner.Intake;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Routing;
using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Intake.Routing;

public sealed class ProjectRouterTests
{
    private static readonly ProjectMappingEntry[] Mapping =
    [
        new() { Pattern = "backend|api|server", Path = "/srv/projects/backend" },
        new() { Pattern = "^octo-org/web$|frontend|ui", Path = "/srv/projects/web", Name = "frontend" },
        new() { Pattern = "docs", Path = "/srv/projects/docs/" },
    ];

    /// <summary>A token caller without project rules reaches every project: routing alone decides here.</summary>
    private static readonly Principal Caller = new() { Platform = "discord", Token = "relay" };

    private static TestRouter Router(IProjectPathGuard? guard = null, RecordingLogger<ProjectRouter>? logger = null, IEnumerable<ProjectMappingEntry>? mapping = null) =>
        new(new ProjectRouter(guard ?? new AcceptingGuard(), logger ?? new RecordingLogger<ProjectRouter>()),
            [.. (mapping ?? Mapping).Select(e => new ProjectRule(e, ProjectRouter.DefaultMatchTimeout))]);

    private static CommandRequest Request(string[]? args = null, string? hint = null, string? repository = null) =>
        new() { Platform = "discord", Command = "run", Requester = "u", Args = args ?? [], ProjectHint = hint, Repository = repository };

    private static ProjectRoute Routed(RouteResult result)
    {
        Assert.Null(result.Error);
        return Assert.IsType<ProjectRoute>(result.Route);
    }

    [Fact]
    public void Route_SpecDiscordExample_MatchesBackendByTaskText()
    {
        var route = Routed(Router().Route(Request(["Add auth to API"])));

        Assert.Equal(new ProjectRoute("backend", "/srv/projects/backend"), route);
    }

    [Fact]
    public void Route_HintBeatsRepositoryBeatsText()
    {
        var router = Router();

        Assert.Equal("docs", Routed(router.Route(Request(["fix the api"], hint: "docs", repository: "octo-org/web"))).Name);
        Assert.Equal("frontend", Routed(router.Route(Request(["fix the api"], repository: "octo-org/web"))).Name);
        Assert.Equal("backend", Routed(router.Route(Request(["fix the api"]))).Name);
    }

    [Fact]
    public void Route_HintMatchesEntryNameBeforePatterns()
    {
        // "frontend" is also matched by no earlier pattern, but a name match must win even over an earlier pattern.
        var mapping = new ProjectMappingEntry[]
        {
            new() { Pattern = ".*", Path = "/srv/catch-all" },
            new() { Pattern = "never", Path = "/srv/named", Name = "Named" },
        };

        Assert.Equal("Named", Routed(Router(mapping: mapping).Route(Request(hint: "named"))).Name);
    }

    [Fact]
    public void Route_HintMatchesPattern_WhenNoName()
    {
        Assert.Equal("backend", Routed(Router().Route(Request(hint: "SERVER"))).Name);
    }

    [Fact]
    public void Route_CaseInsensitive()
    {
        Assert.Equal("backend", Routed(Router().Route(Request(["Add AUTH to the API"]))).Name);
        Assert.Equal("frontend", Routed(Router().Route(Request(repository: "Octo-Org/WEB"))).Name);
    }

    [Fact]
    public void Route_FirstMatchWins()
    {
        Assert.Equal("backend", Routed(Router().Route(Request(["api docs and ui"]))).Name);
    }

    [Fact]
    public void Route_RoutingTextUsedForEventsWithoutArgs()
    {
        var request = Request() with { RoutingText = "Improve the docs" };

        Assert.Equal("docs", Routed(Router().Route(request)).Name);
    }

    [Fact]
    public void Route_DefaultNameIsLastPathSegment()
    {
        Assert.Equal("docs", ProjectRule.NameOf(new ProjectMappingEntry { Pattern = "x", Path = "/srv/projects/docs/" }));
    }

    [Fact]
    public void Route_NoMatch_422ListingProjects()
    {
        var error = Router().Route(Request(["paint the shed"])).Error;

        Assert.NotNull(error);
        Assert.Equal(422, error.StatusCode);
        Assert.Equal("no project matches the task text; known projects: backend, frontend, docs", error.Message);
    }

    [Fact]
    public void Route_UnknownHint_422NamingIt()
    {
        var error = Router().Route(Request(["fix the api"], hint: "mobile")).Error;

        Assert.Equal("no project matches project 'mobile'; known projects: backend, frontend, docs", error?.Message);
    }

    [Fact]
    public void Route_UnmatchedRepository_DoesNotFallBackToText()
    {
        var error = Router().Route(Request(["fix the api"], repository: "octo-org/mobile")).Error;

        Assert.StartsWith("no project matches repository 'octo-org/mobile'", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_CatastrophicPattern_TimesOutAsNoMatchAndLogs()
    {
        var mapping = new ProjectMappingEntry[]
        {
            new() { Pattern = "(a+)+$", Path = "/srv/evil", Name = "evil" },
            new() { Pattern = "!", Path = "/srv/bang", Name = "bang" },
        };
        var logger = new RecordingLogger<ProjectRouter>();
        var router = Router(logger: logger, mapping: mapping);
        var watch = Stopwatch.StartNew();

        var route = Routed(router.Route(Request(["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"])));

        Assert.Equal("bang", route.Name);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"routing took {watch.Elapsed}");
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(300, entry.Id.Id);
        Assert.Contains("evil timed out", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_GuardRefuses_422WithReasonAndLog()
    {
        var logger = new RecordingLogger<ProjectRouter>();

        var error = Router(new AcceptingGuard("forbidden path"), logger).Route(Request(["api"])).Error;

        Assert.Equal(422, error?.StatusCode);
        Assert.Equal("project 'backend': forbidden path", error?.Message);
        Assert.Equal(301, Assert.Single(logger.Entries).Id.Id);
    }

    [Fact]
    public void Route_GuardReturnsCanonicalPath_RouteUsesIt()
    {
        var guard = new CanonicalisingGuard();

        Assert.Equal("/real/backend", Routed(Router(guard).Route(Request(["api"]))).Path);
    }

    [Fact]
    public void Route_NoMapping_422()
    {
        Assert.Equal("no project matches the task text; known projects: (none you may use)", Router(mapping: []).Route(Request(["x"])).Error?.Message);
    }

    private sealed class CanonicalisingGuard : IProjectPathGuard
    {
        public PathCheck Check(string path) => PathCheck.Allowed("/real/" + Path.GetFileName(path));
    }

    /// <summary>Route then guard, the two steps the pipeline runs around project authorisation.</summary>
    private sealed class TestRouter(ProjectRouter router, ProjectRule[] rules)
    {
        public RouteResult Route(CommandRequest request)
        {
            var routed = router.Route(request, Caller, rules);
            return routed.Project is { } project ? router.Guard(project) : routed;
        }
    }
}
