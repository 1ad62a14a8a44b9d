using System.Net;
using Codeur.Configuration;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using Codeur.Runner.Publishing;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NetworksCreateParameters = Docker.DotNet.Models.NetworksCreateParameters;

namespace Codeur.IntegrationTests.Publishing;

/// <summary>
/// The production executor and publisher wired for one project that publishes to a <see cref="FakeForge"/> on an
/// internal Docker network of the test's own (the forge listens on that network's gateway address, so the push
/// container reaches it and nothing else).
/// </summary>
internal sealed class PublishingTestKit : IAsyncDisposable
{
    public const string Token = "forge-token-0123456789abcdef";
    public const string Repository = "acme/demo";

    private readonly DockerFixture _docker;
    private readonly ServiceProvider _services;
    private readonly List<ProjectDirectory> _projects = [];

    private PublishingTestKit(DockerFixture docker, string network, FakeForge forge, ServiceProvider services)
    {
        _docker = docker;
        Network = network;
        Forge = forge;
        _services = services;
    }

    public string Network { get; }

    public FakeForge Forge { get; }

    public static async Task<PublishingTestKit> StartAsync(DockerFixture docker)
    {
        var network = "codeur-it-forge-" + Guid.NewGuid().ToString("N")[..8];
        var ct = TestContext.Current.CancellationToken;
        await docker.Runtime.CreateNetworkAsync(new NetworksCreateParameters { Name = network, Driver = "bridge", Internal = true }, ct);
        var inspected = await docker.Runtime.InspectNetworkAsync(network, ct);
        var gateway = IPAddress.Parse(inspected!.IPAM.Config[0].Gateway);
        var forge = await FakeForge.StartAsync(gateway, Token);
        var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        return new PublishingTestKit(docker, network, forge, services);
    }

    /// <summary>
    /// A fresh git project (its README committed) whose remote is the forge's <c>demo</c> repository, with a config
    /// publishing it in <paramref name="mode"/>; the kit removes the project when it is disposed.
    /// </summary>
    public async Task<DemoProject> DemoAsync(string mode = PublishSection.PullRequest)
    {
        var project = new ProjectDirectory();
        _projects.Add(project);
        var baseCommit = await AgentTestKit.InitRepositoryAsync(project);
        var remote = await Forge.CreateRepositoryAsync("demo", project.Path);
        return new DemoProject(project, remote, baseCommit, Config(project.Path, remote, mode));
    }

    /// <summary>A config whose project <c>p</c> at <paramref name="projectPath"/> publishes to <paramref name="remote"/>.</summary>
    public AgentConfig Config(string projectPath, string remote, string mode = PublishSection.PullRequest) => new()
    {
        Webhook = new WebhookSection
        {
            GithubToken = Token,
            ProjectMapping =
            [
                new ProjectMappingEntry
                {
                    Pattern = "p", Path = projectPath, Name = "p",
                    Publish = new PublishSection
                    {
                        Mode = mode, Remote = remote, ApiUrl = Forge.ApiUrl, Repository = Repository, Network = Network,
                    },
                },
            ],
            Replies = new RepliesSection { TaskApiUrl = "https://codeur.example" },
        },
    };

    public async Task<(TaskOutcome Outcome, string Live)> RunAsync(AgentConfig config, TaskRecord task)
    {
        var options = AgentTestKit.Options(_docker);
        var sandbox = new SandboxExecutor(_docker.Runtime, new ContainerSpecBuilder(options), new ProjectPathGuard(options), new SandboxTaskRegistry(),
            TimeProvider.System, NullLogger<SandboxExecutor>.Instance);
        var settings = new PublishingSettings(config);
        using var forgeProxy = new ForgeProxy(options, settings, _docker.Runtime, _docker.Runtime, TimeProvider.System, NullLogger<EgressProxy>.Instance);
        var publisher = new TaskPublisher(settings, new BranchPusher(sandbox, forgeProxy),
            new GitHubPullRequests(_services.GetRequiredService<IHttpClientFactory>()), config, NullLogger<TaskPublisher>.Instance);
        var executor = new SandboxTaskExecutor(sandbox, new SandboxCommands(options), options, AgentTestKit.Credentials(), publisher);
        var output = new TaskOutput();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var outcome = await executor.ExecuteAsync(task, output, cts.Token);
        return (outcome, output.Snapshot());
    }

    public static TaskRecord Task(string projectPath, string text, string platform = "api", string? replyContext = null) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Sequence = 1,
        Platform = platform,
        Command = "run",
        Args = [text],
        Project = "p",
        ProjectPath = projectPath,
        Requester = "octocat",
        ReplyContext = replyContext,
        Worktree = true,
        State = TaskState.Running,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>The stored task as the reply formatter and the task API see it.</summary>
    public static TaskRecord Ended(TaskRecord task, TaskOutcome outcome) => task with
    {
        State = outcome.State, ExitCode = outcome.ExitCode, Output = outcome.Output, Error = outcome.Error, Git = outcome.Git,
        StartedAt = task.CreatedAt, FinishedAt = DateTimeOffset.UtcNow,
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var project in _projects)
        {
            project.Dispose();
        }

        await Forge.DisposeAsync();
        await _services.DisposeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _docker.Runtime.RemoveNetworkAsync(Network, cts.Token);
        }
        catch (ContainerEngineUnavailableException)
        {
        }
    }
}
