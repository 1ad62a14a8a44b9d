namespace Codeur.Configuration;

/// <summary>The container every task runs in. Defaults are the strict ones; loosening is explicit.</summary>
public sealed class SandboxSection
{
    public string Image { get; set; } = "codeur/sandbox:latest";
    public string Memory { get; set; } = "2g";
    public double Cpus { get; set; } = 2;
    public long Pids { get; set; } = 512;
    public string Network { get; set; } = "none";

    /// <summary>Argv templates per command; <c>{task}</c> is replaced by the task text as one argument.</summary>
    public Dictionary<string, List<string>> Commands { get; set; } = [];

    // Extensions (snake_case keys: user, tmp_size, output_limit, ...).

    /// <summary><c>uid:gid</c> the task runs as; uid 0 is refused.</summary>
    public string User { get; set; } = "10001:10001";

    /// <summary>Size cap of the <c>/tmp</c> tmpfs (mounted noexec,nosuid,nodev).</summary>
    public string TmpSize { get; set; } = "64m";

    /// <summary>Bytes of stdout+stderr kept per task; past it the container is killed (<c>output_limit</c>).</summary>
    public string OutputLimit { get; set; } = "4m";

    /// <summary>Largest single file a task may write (the <c>fsize</c> ulimit).</summary>
    public string MaxFileSize { get; set; } = "1g";

    /// <summary>Open file descriptors per process (the <c>nofile</c> ulimit).</summary>
    public long Nofile { get; set; } = 1024;

    /// <summary>Cap of the engine's json-file log per container.</summary>
    public string LogMaxSize { get; set; } = "1m";

    /// <summary>When set, a project must lie under one of these directories.</summary>
    public List<string> ProjectRoots { get; set; } = [];

    /// <summary>OCI runtime of every container (e.g. <c>runsc</c> for gVisor); absent means the engine's default (runc).</summary>
    public string? Runtime { get; set; }

    /// <summary>
    /// OCI runtime per command (<c>run</c>, <c>analyze</c>, <c>search</c>, <c>status</c>), over <see cref="Runtime"/>: for
    /// instance gVisor for everything but egress-mode <c>run</c> where the engine's gVisor cannot network. Each must be
    /// registered with the engine (checked at start).
    /// </summary>
    public Dictionary<string, string> Runtimes { get; set; } = [];

    /// <summary>Seconds between sweeps for leftover containers.</summary>
    public int SweepInterval { get; set; } = 60;

    /// <summary>
    /// An agent preset (<c>claude-code</c>, <c>codex</c>, <c>aider</c>, <c>gemini</c>, <c>openhands</c>): the <c>run</c>
    /// argv and the credential variables it needs. <c>commands.run</c>, when set, still wins.
    /// </summary>
    public string? Agent { get; set; }

    /// <summary>Names of runner environment variables passed into <c>run</c> containers (on top of the preset's).</summary>
    public List<string> Env { get; set; } = [];

    /// <summary>Host names the <c>egress</c> proxy admits (<c>.example.com</c> admits subdomains too).</summary>
    public List<string> EgressAllow { get; set; } = [];

    /// <summary>Private model gateways the <c>egress</c> proxy admits, each by host name, address range and port together.</summary>
    public List<EgressGatewayEntry> EgressPrivateGateways { get; set; } = [];

    /// <summary>The internal Docker network of <c>network: egress</c>; its proxy container is named after it.</summary>
    public string EgressNetwork { get; set; } = "codeur-egress";

    /// <summary>Image of the allowlisting proxy (<c>deploy/egress-proxy</c>).</summary>
    public string EgressProxyImage { get; set; } = "codeur/egress-proxy:latest";

    /// <summary><c>run</c> on a git project works in its own worktree on branch <c>codeur/&lt;task-id&gt;</c>.</summary>
    public bool Worktree { get; set; } = true;

    /// <summary>
    /// With an agent configured (<c>agent</c> or <c>commands.run</c>) and no <c>commands.analyze</c>, <c>analyze</c> runs
    /// the agent on the project mounted read-only with <see cref="ReviewPrompt"/>, and its answer is the reply.
    /// </summary>
    public bool Review { get; set; } = true;

    /// <summary>The task text a review gives the agent (a project's <c>review_prompt</c> wins).</summary>
    public string ReviewPrompt { get; set; } = DefaultReviewPrompt;

    public const string DefaultReviewPrompt =
        "Review the code in the current directory as a senior engineer reviewing a pull request. The checkout is mounted "
        + "read-only: read files and run read-only commands, change nothing. List correctness bugs, security problems, "
        + "missing tests and unclear or risky code, most important first, each with its file and line, then give a "
        + "one-paragraph verdict. Answer in Markdown: your answer is posted as the review.";
}
