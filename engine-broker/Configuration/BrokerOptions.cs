using System.Globalization;

namespace Codeur.EngineBroker.Configuration;

/// <summary>
/// What the broker admits. Read from <c>CODEUR_BROKER_*</c> environment variables (docs/CONFIGURATION.md, "Engine broker"); the
/// defaults are the runner's defaults, and nothing is admitted that is not named here.
/// </summary>
internal sealed record BrokerOptions
{
    public const string Prefix = "CODEUR_BROKER_";

    /// <summary><c>CODEUR_BROKER_LISTEN</c>: comma-separated <c>unix:/path</c> and <c>tcp:host:port</c> endpoints.</summary>
    public IReadOnlyList<string> Listen { get; init; } = ["unix:/run/codeur/engine.sock"];

    /// <summary><c>CODEUR_BROKER_ENGINE_SOCKET</c>: the engine's unix socket.</summary>
    public string EngineSocket { get; init; } = "/var/run/docker.sock";

    /// <summary><c>CODEUR_BROKER_RUNNER_ID</c>: the <c>codeur.runner</c> label value of the one runner this broker serves.</summary>
    public string RunnerId { get; init; } = "";

    /// <summary><c>CODEUR_BROKER_IMAGES</c>: the sandbox images a container may be created from (exact references).</summary>
    public IReadOnlyList<string> Images { get; init; } = ["codeur/sandbox:latest"];

    /// <summary><c>CODEUR_BROKER_PROJECTS_ROOTS</c>: bind-mount sources must lie strictly under one of these, symlink-free.</summary>
    public IReadOnlyList<string> ProjectsRoots { get; init; } = [];

    /// <summary><c>CODEUR_BROKER_RUNTIMES</c>: runtimes a container may ask for (absent means the engine's default).</summary>
    public IReadOnlyList<string> Runtimes { get; init; } = ["runc", "runsc"];

    /// <summary><c>CODEUR_BROKER_EGRESS_NETWORK</c>: the one network other than <c>none</c> a container may join; empty: none only.</summary>
    public string EgressNetwork { get; init; } = "codeur-egress";

    /// <summary><c>CODEUR_BROKER_MIN_API_VERSION</c>: requests must name an API version at least this (1.40 or higher).</summary>
    public Version MinApiVersion { get; init; } = new(1, 40);

    /// <summary><c>CODEUR_BROKER_MAX_PIDS</c>, <c>CODEUR_BROKER_MAX_MEMORY</c> (bytes): upper bounds on what a container may ask.</summary>
    public long MaxPids { get; init; } = 4096;

    public long MaxMemoryBytes { get; init; } = 16L << 30;

    /// <summary><c>CODEUR_BROKER_AUDIT_PATH</c>: JSON-lines audit file; empty: standard output.</summary>
    public string? AuditPath { get; init; }

    /// <summary><c>CODEUR_BROKER_CALL_TIMEOUT_SECONDS</c>: bound on every engine call except attach and wait.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static BrokerOptions FromEnvironment(Func<string, string?> get)
    {
        string? Value(string key) => get(Prefix + key) is { Length: > 0 } v ? v.Trim() : null;
        IReadOnlyList<string>? List(string key) =>
            Value(key)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        long? Number(string key) => Value(key) is { } v
            ? long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new BrokerConfigException(Prefix + key, $"'{v}' is not a whole number")
            : null;

        var defaults = new BrokerOptions();
        Version minApi = defaults.MinApiVersion;
        if (Value("MIN_API_VERSION") is { } api && !Version.TryParse(api, out minApi!))
        {
            throw new BrokerConfigException(Prefix + "MIN_API_VERSION", $"'{api}' is not a version like 1.41");
        }

        return new BrokerOptions
        {
            Listen = List("LISTEN") ?? defaults.Listen,
            EngineSocket = Value("ENGINE_SOCKET") ?? defaults.EngineSocket,
            RunnerId = Value("RUNNER_ID") ?? "",
            Images = List("IMAGES") ?? defaults.Images,
            ProjectsRoots = List("PROJECTS_ROOTS") ?? [],
            Runtimes = List("RUNTIMES") ?? defaults.Runtimes,
            EgressNetwork = get(Prefix + "EGRESS_NETWORK") is { } egress ? egress.Trim() : defaults.EgressNetwork,
            MinApiVersion = minApi,
            MaxPids = Number("MAX_PIDS") ?? defaults.MaxPids,
            MaxMemoryBytes = Number("MAX_MEMORY") ?? defaults.MaxMemoryBytes,
            AuditPath = Value("AUDIT_PATH"),
            CallTimeout = Number("CALL_TIMEOUT_SECONDS") is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.CallTimeout,
        };
    }
}
