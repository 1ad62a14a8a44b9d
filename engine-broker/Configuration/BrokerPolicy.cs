using Codeur.EngineBroker.Create;

namespace Codeur.EngineBroker.Configuration;

/// <summary>
/// The validated, immutable form of <see cref="BrokerOptions"/>: what a request is checked against. Built once at
/// start; a setting it cannot use stops the broker with a message naming the variable.
/// </summary>
internal sealed class BrokerPolicy
{
    public static readonly Version LowestMinimumApi = new(1, 40);

    private BrokerPolicy(BrokerOptions options)
    {
        Options = options;
        Images = options.Images.ToHashSet(StringComparer.Ordinal);
        Runtimes = options.Runtimes.ToHashSet(StringComparer.Ordinal);
        ProjectsRoots = options.ProjectsRoots;
    }

    public BrokerOptions Options { get; }

    public string RunnerId => Options.RunnerId;

    public IReadOnlySet<string> Images { get; }

    public IReadOnlySet<string> Runtimes { get; }

    public IReadOnlyList<string> ProjectsRoots { get; }

    public static BrokerPolicy Create(BrokerOptions options)
    {
        const string p = BrokerOptions.Prefix;
        if (string.IsNullOrWhiteSpace(options.RunnerId) || options.RunnerId.Any(char.IsControl))
        {
            throw new BrokerConfigException(p + "RUNNER_ID", "required: the codeur.runner label of the runner this broker serves");
        }

        if (options.Images.Count == 0)
        {
            throw new BrokerConfigException(p + "IMAGES", "at least one image is required");
        }

        if (options.ProjectsRoots.Count == 0)
        {
            throw new BrokerConfigException(p + "PROJECTS_ROOTS", "required: the directories project bind mounts must lie under");
        }

        foreach (var root in options.ProjectsRoots)
        {
            if (SymlinkFreePath.Problem(root) is { } problem)
            {
                throw new BrokerConfigException(p + "PROJECTS_ROOTS", $"'{root}' {problem}");
            }
        }

        if (options.MinApiVersion < LowestMinimumApi || options.MinApiVersion.Build != -1)
        {
            throw new BrokerConfigException(p + "MIN_API_VERSION", $"must be a MAJOR.MINOR version of at least {LowestMinimumApi}");
        }

        if (options.MaxPids <= 0 || options.MaxMemoryBytes <= 0)
        {
            throw new BrokerConfigException(p + "MAX_PIDS/MAX_MEMORY", "must be positive");
        }

        if (options.EngineSocket.Length == 0 || options.EngineSocket[0] != '/')
        {
            throw new BrokerConfigException(p + "ENGINE_SOCKET", "must be an absolute path to the engine's unix socket");
        }

        foreach (var endpoint in options.Listen)
        {
            if (!ListenEndpoint.TryParse(endpoint, out _))
            {
                throw new BrokerConfigException(p + "LISTEN", $"'{endpoint}' is neither unix:/absolute/path nor tcp:host:port");
            }
        }

        return new BrokerPolicy(options);
    }
}
