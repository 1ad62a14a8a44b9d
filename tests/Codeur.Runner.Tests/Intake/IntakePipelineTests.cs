using System.Collections.Frozen;
using Codeur.Configuration;
using Codeur.Runner.Intake;
using Codeur.Runner.Intake.Platforms;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Codeur.Runner.Tests.Intake.Platforms.TestRequests;

namespace Codeur.Runner.Tests.Intake;

/// <summary>
/// The pipeline's steps and their order: a caller refused at one step hears about that step only (a requester who
/// may not use the agent is not told which commands exist), hints choose only among reachable projects, and project
/// rules apply before the path guard.
/// </summary>
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
        config.Webhook.Slack.Teams = ["T1"];
        config.Webhook.Discord.Guilds = ["*"];
        configure?.Invoke(config.Webhook);

        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(config)
            .AddSingleton<IOptionsMonitor<AgentConfig>>(new FixedConfig(config))
            .AddIntake()
            .BuildServiceProvider();
        return services.GetRequiredService<IntakePipeline>();
    }

    private static CallerIdentity Bearer(string platform, string token = "relay", params string[] scopes) =>
        new(platform, "token:" + token, "bearer", scopes.Length == 0 ? CallerIdentity.DefaultScopes : scopes.ToFrozenSet(StringComparer.Ordinal));

    private static CallerIdentity Signed(string platform) => new(platform, platform, "signature", FrozenSet<string>.Empty);

    private static IntakeDecision Decide(IntakePipeline pipeline, string platform, string body, CallerIdentity? caller = null, params (string, string)[] headers)
    {
        caller ??= Bearer(platform);
        var read = pipeline.Read(platform, Create(body, body.StartsWith('{') ? Json : Form, caller.Identity, headers) with { Signed = caller.IsSigned });
        return pipeline.Decide(caller, Assert.IsType<IntakeResult.Addressed>(read));
    }

    private static NewTask Accepted(IntakeDecision decision) => Assert.IsType<IntakeDecision.Accepted>(decision).Task;

    private static Codeur.Runner.Intake.Commands.IntakeError Refused(IntakeDecision decision) => Assert.IsType<IntakeDecision.Refused>(decision).Error;

    private static string Comment(string body, string repository = "acme/backend", string association = "OWNER", string login = "octo") => System.Text.Json.JsonSerializer.Serialize(new
    {
        action = "created",
        issue = new { number = 7 },
        comment = new { id = Random.Shared.Next(), body, user = new { login, type = "User" }, author_association = association },
        repository = new { full_name = repository },
        sender = new { login, type = "User" },
    });

    private static readonly (string, string)[] GitHubHeaders = [("X-GitHub-Event", "issue_comment"), ("X-GitHub-Delivery", "d1")];

    [Fact]
    public void Decide_SpecDiscordRelay_GivesTaskInBackendProjectRequestedByTheTokenForTheUser()
    {
        var task = Accepted(Decide(Pipeline(), "discord", """{"content":"!agent run 'Add auth to API'","author":"nelly","channel_id":"1"}"""));

        Assert.Equal("discord", task.Platform);
        Assert.Equal("run", task.Command);
        Assert.Equal(["Add auth to API"], task.Args);
        Assert.Equal("backend", task.Project);
        Assert.EndsWith("/backend", task.ProjectPath, StringComparison.Ordinal);
        Assert.Equal("token:relay for discord:nelly", task.Requester);
        Assert.Null(task.ReplyContext);
    }

    [Fact]
    public void Decide_RelayTrustedForThePlatform_RequesterIsTheUserViaTheTokenAndRepliesKept()
    {
        var task = Accepted(Decide(Pipeline(), "discord", """{"content":"run 'Add auth to API'","author":"nelly","channel_id":"1"}""",
            Bearer("discord", "bot", "relay:discord", "trust:discord")));

        Assert.Equal("nelly via token:bot", task.Requester);
        Assert.NotNull(task.ReplyContext);
    }

    [Fact]
    public void Decide_SeedSlackWorkflowBodyWithoutPrefix_IsTheCommand()
    {
        var pipeline = Pipeline(w => w.ProjectMapping.Add(new() { Pattern = ".", Path = Path.Combine(_root.FullName, "backend"), Name = "main" }));

        var task = Accepted(Decide(pipeline, "slack", """{"text": "run Add tests", "user_id": "U1", "channel_id": "C1"}""", Bearer("slack", "default")));

        Assert.Equal("run", task.Command);
        Assert.Equal(["Add", "tests"], task.Args);
        Assert.Equal("token:default for slack:U1", task.Requester);
    }

    [Fact]
    public void Decide_NotPermittedRequesterWithUnknownCommand_403NotTheCommandList()
    {
        var pipeline = Pipeline(w => w.Requesters.Slack = ["U-ADMIN"]);

        var error = Refused(Decide(pipeline, "slack", FormBody(("command", "/agent"), ("text", "frobnicate now"), ("user_id", "U-OUTSIDER"), ("team_id", "T1")), Signed("slack")));

        Assert.Equal(403, error.StatusCode);
        Assert.DoesNotContain("allowed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_PermittedRequesterWithUnknownCommand_422ListsCommands()
    {
        var pipeline = Pipeline(w => w.Requesters.Slack = ["U-ADMIN"]);

        var error = Refused(Decide(pipeline, "slack", FormBody(("command", "/agent"), ("text", "frobnicate now"), ("user_id", "U-ADMIN"), ("team_id", "T1")), Signed("slack")));

        Assert.Equal(422, error.StatusCode);
        Assert.Contains("allowed: run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SlackTeamNotOnAllowlist_403BeforeAnythingElse()
    {
        var error = Refused(Decide(Pipeline(), "slack", FormBody(("command", "/agent"), ("text", "run --project nowhere x"), ("user_id", "U1"), ("team_id", "T-STRANGER")), Signed("slack")));

        Assert.Equal(403, error.StatusCode);
        Assert.Equal("requester not permitted", error.Message);
    }

    [Fact]
    public void Decide_SlackWithoutTeamsConfigured_RefusesSignedRequests()
    {
        var error = Refused(Decide(Pipeline(w => w.Slack.Teams = null), "slack", FormBody(("command", "/agent"), ("text", "run x"), ("user_id", "U1"), ("team_id", "T1")), Signed("slack")));

        Assert.Equal(403, error.StatusCode);
    }

    [Theory]
    [InlineData("NONE", true)]
    [InlineData("FIRST_TIME_CONTRIBUTOR", true)]
    [InlineData("COLLABORATOR", false)]
    public void Decide_SignedCommentByOutsider_IgnoredBeforeParsing(string association, bool ignored)
    {
        var decision = Decide(Pipeline(), "github", Comment("!agent frobnicate", association: association), Signed("github"), GitHubHeaders);

        if (ignored)
        {
            Assert.Equal($"author association {association} may not trigger commands", Assert.IsType<IntakeDecision.Ignored>(decision).Reason);
        }
        else
        {
            Assert.Equal(422, Refused(decision).StatusCode);
        }
    }

    [Fact]
    public void Decide_DisallowedCommandByPermittedCaller_422BeforeRouting()
    {
        var error = Refused(Decide(Pipeline(w => w.AllowedCommands = ["analyze"]), "api", """{"command":"run","args":"x","project":"nowhere"}"""));

        Assert.Equal(422, error.StatusCode);
        Assert.StartsWith("command 'run' is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_GitHubHintToProjectTheRepositoryCannotReach_422ListingOnlyReachable()
    {
        var pipeline = Pipeline(w => w.ProjectMapping.Add(new() { Pattern = "widgets", Path = Directory.CreateDirectory(Path.Combine(_root.FullName, "widgets")).FullName }));

        var error = Refused(Decide(pipeline, "github", Comment("!agent search --project backend SECRET_NAME", repository: "acme/widgets"), Signed("github"), GitHubHeaders));
        var own = Accepted(Decide(pipeline, "github", Comment("!agent search SECRET_NAME", repository: "acme/widgets"), Signed("github"), GitHubHeaders));

        Assert.Equal(422, error.StatusCode);
        Assert.Equal("no project matches project 'backend'; known projects: widgets", error.Message);
        Assert.Equal("widgets", own.Project);
    }

    [Fact]
    public void Decide_AllowListsRepositoryOwnerWildcard_HintReachesIt()
    {
        var pipeline = Pipeline(w => w.ProjectMapping[0].Allow = new ProjectAccessSection { Repositories = ["acme/*"] });

        var task = Accepted(Decide(pipeline, "github", Comment("!agent analyze --project backend", repository: "acme/widgets"), Signed("github"), GitHubHeaders));
        var other = Refused(Decide(pipeline, "github", Comment("!agent analyze --project backend", repository: "evil/acme"), Signed("github"), GitHubHeaders));

        Assert.Equal("backend", task.Project);
        Assert.Equal(422, other.StatusCode);
    }

    [Fact]
    public void Decide_RunOnlyForOwners_MemberRefused403OwnerAccepted()
    {
        var pipeline = Pipeline(w => w.ProjectMapping[0].Commands = new() { ["run"] = new CommandAccessSection { Associations = ["OWNER"] } });

        var member = Refused(Decide(pipeline, "github", Comment("!agent run x", association: "MEMBER"), Signed("github"), GitHubHeaders));
        var owner = Accepted(Decide(pipeline, "github", Comment("!agent run x", association: "OWNER"), Signed("github"), GitHubHeaders));
        var analyze = Accepted(Decide(pipeline, "github", Comment("!agent analyze", association: "MEMBER"), Signed("github"), GitHubHeaders));

        Assert.Equal(403, member.StatusCode);
        Assert.Equal("backend", owner.Project);
        Assert.Equal("analyze", analyze.Command);
    }

    [Fact]
    public void Decide_UntrustedRelayClaimingOwner_AssociationRulesDoNotApply()
    {
        var pipeline = Pipeline(w => w.ProjectMapping[0].Commands = new() { ["run"] = new CommandAccessSection { Associations = ["OWNER"] } });

        var error = Refused(Decide(pipeline, "github", Comment("!agent run x", association: "OWNER"), Bearer("github", "ci")));

        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public void Decide_ProjectRuleRefusesBeforePathGuard_403NotForbiddenPath()
    {
        var pipeline = Pipeline(w => w.ProjectMapping[1].Allow = new ProjectAccessSection { Tokens = ["ops"] });

        var stranger = Refused(Decide(pipeline, "api", """{"command":"analyze","project":"sneaky"}""", Bearer("api", "ci")));
        var ops = Refused(Decide(pipeline, "api", """{"command":"analyze","project":"sneaky"}""", Bearer("api", "ops")));

        Assert.Equal(422, stranger.StatusCode);
        Assert.DoesNotContain("sneaky", stranger.Message.Split(';')[1], StringComparison.Ordinal);
        Assert.Equal("project 'sneaky': forbidden path", ops.Message);
    }

    [Fact]
    public void Decide_TokenWithoutRelayScope_403()
    {
        var error = Refused(Decide(Pipeline(), "slack", """{"text":"run x","user_id":"U1"}""", Bearer("slack", "reader", "tasks:read")));

        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public void Decide_CancelIsATaskCommandNotRouted()
    {
        var decision = Decide(Pipeline(), "slack", """{"text":"cancel 0192aaaabbbbccccddddeeeeffff0000","user_id":"U1"}""");

        var command = Assert.IsType<IntakeDecision.TaskCommand>(decision);
        Assert.Equal("relay", command.Caller.Token);
        Assert.Null(command.Caller.User);
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

        var task = Accepted(Decide(pipeline, "api", $$"""{"command":"{{command}}","args":["x"],"project":"backend"}"""));

        Assert.Equal(expected, task.Worktree);
    }

    [Fact]
    public void Decide_MappingIsSymlinkIntoEtc_422ForbiddenPath()
    {
        var error = Refused(Decide(Pipeline(), "api", """{"command":"analyze","project":"sneaky"}"""));

        Assert.Equal(422, error.StatusCode);
        Assert.Equal("project 'sneaky': forbidden path", error.Message);
    }

    [Fact]
    public void Decide_UnknownProject_422()
    {
        var error = Refused(Decide(Pipeline(), "api", """{"command":"analyze","project":"mobile"}"""));

        Assert.Equal(422, error.StatusCode);
        Assert.Contains("known projects: backend, sneaky", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RequesterNotAllowed_403()
    {
        var error = Refused(Decide(Pipeline(w => w.Requesters.Discord = ["someone-else"]), "discord", """{"content":"!agent run 'api'","author":"nelly"}""",
            Bearer("discord", "bot", "relay:discord", "trust:discord")));

        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public void Read_UnknownPlatform_404()
    {
        Assert.Equal(404, Assert.IsType<IntakeResult.Invalid>(Pipeline().Read("teams", Create("{}"))).StatusCode);
    }

    [Fact]
    public void AddIntake_GuardRegisteredEarlier_IsUsed()
    {
        var config = new AgentConfig();
        config.Webhook.ProjectMapping = [new() { Pattern = ".", Path = "/anywhere" }];
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(config)
            .AddSingleton<IOptionsMonitor<AgentConfig>>(new FixedConfig(config))
            .AddSingleton<IProjectPathGuard>(new AcceptAll())
            .AddIntake()
            .BuildServiceProvider();

        var pipeline = services.GetRequiredService<IntakePipeline>();
        var task = Accepted(Decide(pipeline, "api", """{"command":"status","args":["x"]}"""));

        Assert.Equal("/accepted/anywhere", task.ProjectPath);
        Assert.Equal(["api", "discord", "github", "slack"], pipeline.Platforms.Order(StringComparer.Ordinal));
    }

    private static string FormBody(params (string Name, string Value)[] fields) => FormEncode(fields);

    /// <summary>The file as read at start; reloads are the end-to-end tests' business.</summary>
    private sealed class FixedConfig(AgentConfig config) : IOptionsMonitor<AgentConfig>
    {
        public AgentConfig CurrentValue => config;

        public AgentConfig Get(string? name) => config;

        public IDisposable? OnChange(Action<AgentConfig, string?> listener) => null;
    }

    private sealed class AcceptAll : IProjectPathGuard
    {
        public PathCheck Check(string path) => PathCheck.Allowed("/accepted" + path);
    }
}
