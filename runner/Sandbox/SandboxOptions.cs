using System.Globalization;
using Codeur.Configuration;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// The sandbox settings resolved once from <c>.agent.yaml</c> (sizes parsed, defaults applied), so the hot path
/// never parses strings. The defaults are the strict ones.
/// </summary>
internal sealed class SandboxOptions
{
    public const string WorkspacePath = "/workspace";

    public string Image { get; init; } = "codeur/sandbox:latest";
    public string User { get; init; } = "10001:10001";
    public long MemoryBytes { get; init; } = 2L << 30;
    public long NanoCpus { get; init; } = 2_000_000_000;
    public long PidsLimit { get; init; } = 512;
    public string NetworkMode { get; init; } = "none";
    public long TmpSizeBytes { get; init; } = 64L << 20;
    public long OutputLimitBytes { get; init; } = 4L << 20;
    public long MaxFileSizeBytes { get; init; } = 1L << 30;
    public long Nofile { get; init; } = 1024;
    public string LogMaxSize { get; init; } = "1048576";
    /// <summary>The OCI runtime of every container unless <see cref="Runtimes"/> names one for its command; null: the engine's default.</summary>
    public string? Runtime { get; init; }

    /// <summary><c>sandbox.runtimes</c>: the OCI runtime per command (<c>run</c>, <c>analyze</c>, ...).</summary>
    public IReadOnlyDictionary<string, string> Runtimes { get; init; } = new Dictionary<string, string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The engine's endpoint: <c>DOCKER_HOST</c>, else the local socket.</summary>
    public Uri DockerEndpoint { get; init; } = DefaultDockerEndpoint();

    /// <summary>Bound on every single Docker call except the wait for the task's exit.</summary>
    public TimeSpan DockerCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Identifies this runner's containers (label <c>codeur.runner</c>) for the orphan sweep.</summary>
    public string InstanceId { get; init; } = "codeur-runner";

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Commands { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The <c>sandbox.agent</c> preset name, if any (its <c>run</c> argv is already in <see cref="Commands"/>).</summary>
    public string? Agent { get; init; }

    /// <summary><c>network: egress</c>: the internal network run containers join, and its proxy.</summary>
    public string EgressNetwork { get; init; } = "codeur-egress";

    public string EgressProxyImage { get; init; } = "codeur/egress-proxy:latest";

    public IReadOnlyList<string> EgressAllow { get; init; } = [];

    /// <summary>Private model gateways, as the proxy reads them: <c>host|cidr,cidr|port,port</c> each.</summary>
    public IReadOnlyList<string> EgressGateways { get; init; } = [];

    /// <summary>Run tasks on git projects work in their own worktree and branch.</summary>
    public bool Worktree { get; init; } = true;

    /// <summary>
    /// The review prompt of <c>analyze</c> tasks, by project name (<see cref="DefaultReviewPrompt"/> for the others);
    /// empty when reviews are off (<c>sandbox.review: false</c>, no agent, or <c>commands.analyze</c> set).
    /// </summary>
    public IReadOnlyDictionary<string, string> ReviewPrompts { get; init; } = new Dictionary<string, string>();

    /// <summary>The review prompt for projects without their own; null when reviews are off.</summary>
    public string? DefaultReviewPrompt { get; init; }

    /// <summary>The prompt an <c>analyze</c> task of <paramref name="project"/> gives the agent; null: the built-in report.</summary>
    public string? ReviewPromptFor(string project) => DefaultReviewPrompt is null ? null : ReviewPrompts.GetValueOrDefault(project, DefaultReviewPrompt);

    /// <summary>Name (and host name on the egress network) of the proxy container.</summary>
    public string EgressProxyName => EgressNetwork + "-proxy";

    /// <summary>The engine network a container joins: run tasks get the egress network, everything else none.</summary>
    public string NetworkFor(bool agentRun) => NetworkMode == "egress" ? (agentRun ? EgressNetwork : "none") : NetworkMode;
    /// <summary>The runtime a command's containers run under: its <c>sandbox.runtimes</c> entry, else <c>sandbox.runtime</c>.</summary>
    public string? RuntimeFor(string? command) =>
        command is not null && Runtimes.TryGetValue(command, out var runtime) ? runtime : Runtime;

    /// <summary>The config key that chose <see cref="RuntimeFor"/> (for start-up errors).</summary>
    public string RuntimeKeyFor(string? command) =>
        command is not null && Runtimes.ContainsKey(command) ? "webhook.sandbox.runtimes." + command : "webhook.sandbox.runtime";

    public IReadOnlyList<string> ForbiddenPaths { get; init; } = [];
    public IReadOnlyList<string> ProjectRoots { get; init; } = [];

    public static SandboxOptions FromConfig(AgentConfig config, string? instanceId = null)
    {
        var w = config.Webhook;
        var s = w.Sandbox;
        return new SandboxOptions
        {
            Image = s.Image,
            User = s.User,
            MemoryBytes = ByteSize.Parse(s.Memory),
            NanoCpus = (long)Math.Round(s.Cpus * 1_000_000_000d),
            PidsLimit = s.Pids,
            NetworkMode = s.Network,
            TmpSizeBytes = ByteSize.Parse(s.TmpSize),
            OutputLimitBytes = ByteSize.Parse(s.OutputLimit),
            MaxFileSizeBytes = ByteSize.Parse(s.MaxFileSize),
            Nofile = s.Nofile,
            LogMaxSize = ByteSize.Parse(s.LogMaxSize).ToString(CultureInfo.InvariantCulture),
            Runtime = s.Runtime,
            Runtimes = new Dictionary<string, string>(s.Runtimes, StringComparer.Ordinal),
            Timeout = TimeSpan.FromSeconds(w.Timeout),
            SweepInterval = TimeSpan.FromSeconds(s.SweepInterval),
            InstanceId = instanceId ?? (string.IsNullOrWhiteSpace(w.Runner.InstanceId) ? DefaultInstanceId() : w.Runner.InstanceId),
            Commands = CommandsFor(s),
            Agent = s.Agent,
            EgressNetwork = s.EgressNetwork,
            EgressProxyImage = s.EgressProxyImage,
            EgressAllow = [.. s.EgressAllow.Select(h => h.ToLowerInvariant())],
            EgressGateways = [.. s.EgressPrivateGateways.Select(EgressGatewaySpec)],
            Worktree = s.Worktree,
            DefaultReviewPrompt = ReviewsOn(s) ? s.ReviewPrompt : null,
            ReviewPrompts = ReviewsOn(s)
                ? w.ProjectMapping.Where(p => !string.IsNullOrWhiteSpace(p.ReviewPrompt))
                    .DistinctBy(Intake.Routing.ProjectRule.NameOf, StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(Intake.Routing.ProjectRule.NameOf, p => p.ReviewPrompt!, StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(),
            ForbiddenPaths = w.ForbiddenPaths.ToArray(),
            ProjectRoots = s.ProjectRoots.ToArray(),
        };
    }

    /// <summary>Reviews need an agent to run and leave an explicitly configured <c>analyze</c> alone.</summary>
    private static bool ReviewsOn(SandboxSection s) =>
        s.Review && !s.Commands.ContainsKey("analyze") && (s.Commands.ContainsKey("run") || Agents.AgentPresets.Find(s.Agent) is not null);

    /// <summary><c>sandbox.commands</c>, with the agent preset's argv as <c>run</c> unless <c>commands.run</c> is set.</summary>
    private static Dictionary<string, IReadOnlyList<string>> CommandsFor(SandboxSection s)
    {
        var commands = s.Commands.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.ToArray(), StringComparer.Ordinal);
        if (Agents.AgentPresets.Find(s.Agent) is { } preset)
        {
            commands.TryAdd("run", preset.Run);
        }

        return commands;
    }

    private static Uri DefaultDockerEndpoint() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? new Uri(host) : new Uri("unix:///var/run/docker.sock");

    /// <summary>Stable per host, so a restarted runner sweeps what its previous life left behind.</summary>
    private static string DefaultInstanceId() =>
        Environment.GetEnvironmentVariable("CODEUR_RUNNER_ID") is { Length: > 0 } id ? id : Environment.MachineName;

    /// <summary>One gateway in the proxy's notation, ranges in canonical form (validated at start).</summary>
    internal static string EgressGatewaySpec(EgressGatewayEntry gateway) =>
        gateway.Host.ToLowerInvariant() + "|"
        + string.Join(",", gateway.Cidrs.Select(c => System.Net.IPNetwork.Parse(c).ToString().ToLowerInvariant())) + "|"
        + string.Join(",", gateway.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
