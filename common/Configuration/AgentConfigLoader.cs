using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Codeur.Configuration;

/// <summary>
/// Loads <c>.agent.yaml</c>: strict keys (a typo fails), <c>${NAME}</c> expansion, then validation. Every
/// error names the key path and its line, so bad config fails at start rather than at the first request.
/// </summary>
public static class AgentConfigLoader
{
    public const string EnvironmentVariable = "AGENT_CONFIG";
    public const string DefaultFileName = ".agent.yaml";

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnforceRequiredMembers()
        .WithNodeDeserializer(new TokenEntryNodeDeserializer(), where => where.OnTop())
        .Build();

    /// <summary>The config path: <c>--config</c> (as <paramref name="commandLineValue"/>), else <c>AGENT_CONFIG</c>, else <c>./.agent.yaml</c>.</summary>
    public static string ResolvePath(string? commandLineValue, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(commandLineValue))
        {
            return Path.GetFullPath(commandLineValue);
        }

        var fromEnvironment = environment(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultFileName : fromEnvironment);
    }

    public static AgentConfig LoadFile(string path, Func<string, string?>? environment = null, ConfigAudience audience = ConfigAudience.All)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigException($"cannot read configuration file '{path}': {ex.Message}");
        }

        return Load(text, environment, path, audience);
    }

    /// <param name="audience">The service loading it: the other service's secret keys are neither expanded nor kept.</param>
    public static AgentConfig Load(string yaml, Func<string, string?>? environment = null, string source = "<config>", ConfigAudience audience = ConfigAudience.All)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var parser = new ExpandingParser(new Parser(new StringReader(yaml)), environment, path => SecretOwnership.IsOthers(audience, path));
        AgentConfig? config;
        try
        {
            config = Deserializer.Deserialize<AgentConfig?>(parser);
        }
        catch (YamlException ex)
        {
            var path = parser.KeyLines.Where(kv => kv.Value == ex.Start.Line).Select(kv => kv.Key).LastOrDefault();
            var where = path is null ? $"line {ex.Start.Line}" : $"{path} (line {ex.Start.Line})";
            throw new AgentConfigException($"{source}: {where}: {Describe(ex)}");
        }

        var errors = new List<string>(parser.Errors);
        config ??= new AgentConfig();

        // Before the other service's secrets go: a signing key the gateway holds still obliges the runner's allowlists,
        // and a publishing project needs the runner's forge token whichever service loads the file.
        var allowlists = AgentConfigValidator.ValidatePlatformAllowlists(config.Webhook)
            .Concat(AgentConfigValidator.ValidatePublishCredentials(config.Webhook)).ToList();
        SecretOwnership.Drop(audience, config);
        errors.AddRange(allowlists.Concat(AgentConfigValidator.Validate(config)).Select(e => Locate(e, parser.KeyLines)).Distinct());
        if (errors.Count > 0)
        {
            throw new AgentConfigException($"{source}: invalid configuration:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors), errors);
        }

        return config;
    }

    private static string Locate(ConfigError error, Dictionary<string, int> keyLines)
    {
        // Walk up to the nearest key that appears in the file: a default that fails has no line of its own.
        for (var path = error.Path; path.Length > 0; path = Parent(path))
        {
            if (keyLines.TryGetValue(path, out var line))
            {
                return $"{error.Path} (line {line}): {error.Message}";
            }
        }

        return $"{error.Path}: {error.Message}";
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }

    private static string Describe(YamlException ex)
    {
        var message = (ex.InnerException ?? ex).Message;
        if (message.Contains("not found on type", StringComparison.Ordinal))
        {
            // "Property 'prot' not found on type 'Codeur.Configuration.WebhookSection'."
            var start = message.IndexOf('\'', StringComparison.Ordinal) + 1;
            var end = message.IndexOf('\'', start);
            return $"unknown key '{message[start..end]}'";
        }

        return message;
    }
}
