using Codeur.Configuration;

namespace Codeur.Runner.Sandbox.Agents;

/// <summary>
/// The environment a <c>run</c> container gets from the runner's own: the preset's credential and setting variables
/// plus <c>sandbox.env</c>, read once at start. Values never reach a log; <see cref="SecretValues"/> is what output
/// and reply redaction mask (credentials and every <c>sandbox.env</c> value; preset settings such as model names are
/// not secret).
/// </summary>
internal sealed partial class AgentCredentials
{
    /// <summary>Values shorter than this are not masked: they would shred ordinary output and guard nothing.</summary>
    public const int MinimumSecretLength = 6;

    private AgentCredentials(IReadOnlyList<string> environment, IReadOnlyList<string> secretValues, IReadOnlyList<string> present, IReadOnlyList<string> missing)
    {
        Environment = environment;
        SecretValues = secretValues;
        Present = present;
        Missing = missing;
    }

    /// <summary>An instance that passes nothing.</summary>
    public static AgentCredentials None { get; } = new([], [], [], []);

    /// <summary><c>NAME=value</c> entries for the container's <c>Env</c> (run tasks only).</summary>
    public IReadOnlyList<string> Environment { get; }

    /// <summary>Secret values to mask wherever task output or replies are shown, longest first.</summary>
    public IReadOnlyList<string> SecretValues { get; }

    /// <summary>Names passed (for the start-up log: names only).</summary>
    public IReadOnlyList<string> Present { get; }

    /// <summary>Names the preset or config asks for that the runner's environment does not set.</summary>
    public IReadOnlyList<string> Missing { get; }

    public static AgentCredentials FromConfig(SandboxSection sandbox, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(getVariable);
        var preset = AgentPresets.Find(sandbox.Agent);
        var secretNames = (preset?.Credentials ?? []).Concat(sandbox.Env).Distinct(StringComparer.Ordinal).ToArray();
        var settingNames = (preset?.Settings ?? []).Where(n => !secretNames.Contains(n, StringComparer.Ordinal)).ToArray();

        var environment = new List<string>();
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var present = new List<string>();
        var missing = new List<string>();
        foreach (var (name, secret) in secretNames.Select(n => (n, true)).Concat(settingNames.Select(n => (n, false))))
        {
            var value = getVariable(name);
            if (string.IsNullOrEmpty(value))
            {
                missing.Add(name);
                continue;
            }

            environment.Add(name + "=" + value);
            present.Add(name);
            if (secret && value.Length >= MinimumSecretLength)
            {
                secrets.Add(value);
            }
        }

        return new AgentCredentials(environment, [.. secrets.OrderByDescending(s => s.Length)], present, missing);
    }

    public void LogSummary(ILogger logger, string? agent)
    {
        if (Present.Count > 0 || Missing.Count > 0)
        {
            Log.Summary(logger, agent ?? "(custom)", string.Join(", ", Present), string.Join(", ", Missing));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Agent {Agent}: passing {Present} to run tasks; not set in the runner's environment: {Missing}")]
        public static partial void Summary(ILogger logger, string agent, string present, string missing);
    }
}
