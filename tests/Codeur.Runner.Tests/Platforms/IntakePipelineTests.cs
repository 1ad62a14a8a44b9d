using Codeur.Configuration;
using Codeur.Runner.Commands;
using Codeur.Runner.Platforms;
using Codeur.Runner.Queue;
using Codeur.Runner.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Codeur.Runner.Tests.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Platforms;

public sealed class IntakePipelineTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("codeur-intake-");

    public void Dispose() => _root.Delete(recursive: true);

    private IntakePipeline Pipeline(Action<WebhookSection>? configure = null)
    {
        var backend = Directory.CreateDirectory(Path.Combine(_root.FullName, "backend")).FullName;
        var etcLink = Path.Combine(_root.FullName, "sneaky");
        if (!Path.Exists(etcLink))
        {
            Directory.CreateSymbolicLink(etcLink, "/etc");
        }

        var config = new AgentConfig();
        config.Webhook.ProjectMapping =
        [
            new() { Pattern = "backend|api|server", Path = backend },
            new() { Pattern = "config", Path = etcLink, Name = "sneaky" },
        ];
        config.Webhook.ForbiddenPaths = ["/var", "/root", "~/.ssh"];
        configure?.Invoke(config.Webhook);

        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(config)
            .AddIntake()
            .BuildServiceProvider();
        return services.GetRequiredService<IntakePipeline>();
    }

    private static CommandRequest ParseCommand(IntakePipeline pipeline, string platform, string body, string? identity = "token:relay") =>
        Command(pipeline.Parse(platform, Create(body, Json, identity)));

    [Fact]
    public void Decide_SpecDiscordRelay_GivesTaskInBackendProject()
    {
        var pipeline = Pipeline();
        var request = ParseCommand(pipeline, "discord", """{"content":"!agent run 'Add auth to API'","author":"nelly","channel_id":"1"}""");

        var decision = pipeline.Decide(request);

        Assert.Null(decision.Error);
        var task = Assert.IsType<NewTask>(decision.Task);
        Assert.Equal("discord", task.Platform);
        Assert.Equal("run", task.Command);
        Assert.Equal(["Add auth to API"], task.Args);
        Assert.Equal("backend", task.Project);
        Assert.True(Directory.Exists(task.ProjectPath));
        Assert.EndsWith("/backend", task.ProjectPath, StringComparison.Ordinal);
        Assert.Equal("nelly", task.Requester);
    }

    [Theory]
    [InlineData("run", "dir", true, true)]
    [InlineData("run", "dir", false, false)]
    [InlineData("run", "none", true, false)]
    [InlineData("run", "symlink", true, false)]
    [InlineData("analyze", "dir", true, false)]
    public void Decide_RunOnGitProject_MarkedForItsOwnWorktree(string command, string git, bool worktreeOn, bool expected)
    {
        var pipeline = Pipeline(w => w.Sandbox.Worktree = worktreeOn);
        var backend = Path.Combine(_root.FullName, "backend");
        if (git == "dir")
        {
            Directory.CreateDirectory(Path.Combine(backend, ".git"));
        }
        else if (git == "symlink")
        {
            Directory.CreateDirectory(Path.Combine(_root.FullName, "elsewhere"));
            Directory.CreateSymbolicLink(Path.Combine(backend, ".git"), Path.Combine(_root.FullName, "elsewhere"));
        }

        var task = pipeline.Decide(ParseCommand(pipeline, "api", $$"""{"command":"{{command}}","args":["x"],"project":"backend"}""")).Task;

        Assert.Equal(expected, Assert.IsType<NewTask>(task).Worktree);
    }

    [Fact]
    public void Decide_MappingIsSymlinkIntoEtc_422ForbiddenPath()
    {
        var pipeline = Pipeline();
        var request = ParseCommand(pipeline, "api", """{"command":"analyze","project":"sneaky"}""");

        var error = pipeline.Decide(request).Error;

        Assert.Equal(422, error?.StatusCode);
        Assert.Equal("project 'sneaky': forbidden path", error?.Message);
    }

    [Fact]
    public void Decide_UnknownProject_422()
    {
        var pipeline = Pipeline();

        var error = pipeline.Decide(ParseCommand(pipeline, "api", """{"command":"analyze","project":"mobile"}""")).Error;

        Assert.Equal(422, error?.StatusCode);
        Assert.Contains("known projects: backend, sneaky", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RequesterNotAllowed_403()
    {
        var pipeline = Pipeline(w => w.Requesters.Discord = ["someone-else"]);

        var error = pipeline.Decide(ParseCommand(pipeline, "discord", """{"content":"!agent run 'api'","author":"nelly"}""")).Error;

        Assert.Equal(403, error?.StatusCode);
    }

    [Fact]
    public void Parse_UnknownPlatform_404()
    {
        Assert.Equal(404, Assert.IsType<IntakeResult.Invalid>(Pipeline().Parse("teams", Create("{}"))).StatusCode);
    }

    [Fact]
    public void AddIntake_GuardRegisteredEarlier_IsUsed()
    {
        var config = new AgentConfig();
        config.Webhook.ProjectMapping = [new() { Pattern = ".", Path = "/anywhere" }];
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(config)
            .AddSingleton<IProjectPathGuard>(new AcceptAll())
            .AddIntake()
            .BuildServiceProvider();

        var pipeline = services.GetRequiredService<IntakePipeline>();
        var task = pipeline.Decide(new CommandRequest { Platform = "api", Command = "status", Requester = "token:x", Args = ["x"] }).Task;

        Assert.Equal("/accepted/anywhere", task?.ProjectPath);
        Assert.Equal(["api", "discord", "github", "slack"], pipeline.Platforms.Order(StringComparer.Ordinal));
    }

    private sealed class AcceptAll : IProjectPathGuard
    {
        public Codeur.Runner.Sandbox.PathCheck Check(string path) => Codeur.Runner.Sandbox.PathCheck.Allowed("/accepted" + path);
    }
}
