namespace Codeur.Configuration;

/// <summary>
/// The <c>webhook:</c> section. Property names map to snake_case keys (<c>AuthToken</c> is <c>auth_token</c>);
/// the spec's keys come first, the extensions after them.
/// </summary>
public sealed class WebhookSection
{
    public string Host { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 8080;
    public int Workers { get; set; } = 4;
    public string? AuthToken { get; set; }
    public int RateLimit { get; set; } = 100;
    public int Timeout { get; set; } = 300;
    public string? DiscordBotToken { get; set; }
    public string? GithubWebhookSecret { get; set; }
    public string? SlackSigningSecret { get; set; }
    public List<ProjectMappingEntry> ProjectMapping { get; set; } = [];
    public List<string> AllowedCommands { get; set; } = ["run", "analyze", "search", "status"];
    public List<string> ForbiddenPaths { get; set; } = [];

    // Extensions.
    public string? DiscordPublicKey { get; set; }
    public string? GithubToken { get; set; }

    /// <summary>Slack bot token (<c>xoxb-...</c>) for <c>chat.postMessage</c> when there is no usable <c>response_url</c>.</summary>
    public string? SlackBotToken { get; set; }

    /// <summary>
    /// Named bearer tokens accepted besides <see cref="AuthToken"/> (whose name is <c>default</c> and whose scopes are
    /// <see cref="TokenScopes.Default"/>): <c>NAME: "${SECRET}"</c> or <c>NAME: {token: "${SECRET}", scopes: [...]}</c>.
    /// </summary>
    public Dictionary<string, TokenEntry> Tokens { get; set; } = [];

    /// <summary>
    /// Requests per minute per source of signed platform traffic (a GitHub repository or installation, a Slack team,
    /// a Discord guild); absent means <see cref="RateLimit"/>. One noisy source cannot use up another's limit.
    /// </summary>
    public int? SourceRateLimit { get; set; }

    /// <summary>Requests per minute per client address, checked before any signature is verified.</summary>
    public int AddressRateLimit { get; set; } = 600;

    public TlsSection? Tls { get; set; }

    /// <summary>CIDRs allowed to connect; absent means every address.</summary>
    public List<string>? IpAllowlist { get; set; }

    /// <summary>CIDRs of reverse proxies whose <c>X-Forwarded-For</c> is believed.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public BodyLimitsSection BodyLimits { get; set; } = new();
    public ClientLimitsSection ClientLimits { get; set; } = new();
    public RunnerSection Runner { get; set; } = new();
    public SandboxSection Sandbox { get; set; } = new();
    public QueueSection Queue { get; set; } = new();
    public AuditSection Audit { get; set; } = new();

    /// <summary>Object storage for large task outputs (<c>storage.s3</c>); absent keeps every output in the queue store.</summary>
    public StorageSection Storage { get; set; } = new();

    /// <summary>The gateway's spool for requests that arrive while the runner is away; null (absent) disables it.</summary>
    public SpoolSection? Spool { get; set; }

    /// <summary>The word that starts a command in chat text and comments (<c>!agent run ...</c>); matched case-insensitively. Default <c>!agent</c>.</summary>
    public string CommandPrefix { get; set; } = "!agent";

    /// <summary>Maximum length in characters of a command line after the prefix, once sanitised. Default 4000.</summary>
    public int MaxTaskLength { get; set; } = 4000;

    public GithubSection Github { get; set; } = new();

    public RequestersSection Requesters { get; set; } = new();

    public RepliesSection Replies { get; set; } = new();

    /// <summary>Slack workspaces allowed (<c>slack.teams</c>).</summary>
    public SlackSection Slack { get; set; } = new();

    /// <summary>Discord guilds allowed (<c>discord.guilds</c>).</summary>
    public DiscordSection Discord { get; set; } = new();

    /// <summary>The gateway's task page at <c>/ui</c>; off by default.</summary>
    public UiSection Ui { get; set; } = new();
}
