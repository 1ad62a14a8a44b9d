using System.Net;
using System.Text.RegularExpressions;

namespace Codeur.Configuration;

/// <summary>Checks what the types cannot: ranges, formats, combinations. Messages never echo values (they may be secrets).</summary>
public static partial class AgentConfigValidator
{
    public static readonly IReadOnlySet<string> KnownCommands = new HashSet<string>(StringComparer.Ordinal)
    {
        "run", "analyze", "search", "status", "cancel",
    };

    /// <summary>The commands whose work runs in a container (<c>cancel</c> and <c>status &lt;id&gt;</c> do not).</summary>
    public static readonly IReadOnlySet<string> SandboxedCommands = new SortedSet<string>(StringComparer.Ordinal)
    {
        "run", "analyze", "search", "status",
    };

    /// <summary>The agent presets the runner knows (<c>sandbox.agent</c>); their argv lives in the runner.</summary>
    public static readonly IReadOnlySet<string> KnownAgents = new HashSet<string>(StringComparer.Ordinal)
    {
        "claude-code", "codex", "aider", "gemini", "openhands",
    };

    public static IEnumerable<ConfigError> Validate(AgentConfig config)
    {
        var w = config.Webhook;
        Normalize(w);
        const string p = "webhook";

        if (w.Port is < 0 or > 65535)
        {
            yield return new($"{p}.port", "must be between 0 and 65535");
        }

        if (!IPAddress.TryParse(w.Host, out _) && w.Host is not ("localhost" or "*"))
        {
            yield return new($"{p}.host", "must be an IP address, 'localhost' or '*'");
        }

        if (w.Workers is < 1 or > 256)
        {
            yield return new($"{p}.workers", "must be between 1 and 256");
        }

        if (w.RateLimit < 1)
        {
            yield return new($"{p}.rate_limit", "must be at least 1 request per minute");
        }

        if (w.SourceRateLimit < 1)
        {
            yield return new($"{p}.source_rate_limit", "must be at least 1 request per minute");
        }

        if (w.AddressRateLimit < 1)
        {
            yield return new($"{p}.address_rate_limit", "must be at least 1 request per minute");
        }

        if (w.Timeout is < 1 or > 86_400)
        {
            yield return new($"{p}.timeout", "must be between 1 and 86400 seconds");
        }

        for (var i = 0; i < w.ProjectMapping.Count; i++)
        {
            var entry = w.ProjectMapping[i];
            var at = $"{p}.project_mapping[{i}]";
            if (string.IsNullOrWhiteSpace(entry.Pattern))
            {
                yield return new($"{at}.pattern", "is required");
            }
            else if (!IsValidRegex(entry.Pattern))
            {
                yield return new($"{at}.pattern", "is not a valid .NET regular expression");
            }

            if (string.IsNullOrWhiteSpace(entry.Path))
            {
                yield return new($"{at}.path", "is required");
            }

            foreach (var error in PublishSectionValidator.Validate(entry.Publish, $"{at}.publish"))
            {
                yield return error;
            }

            if (entry.ReviewPrompt is { } reviewPrompt && string.IsNullOrWhiteSpace(reviewPrompt))
            {
                yield return new($"{at}.review_prompt", "must not be blank (remove it to use sandbox.review_prompt)");
            }
        }

        for (var i = 0; i < w.AllowedCommands.Count; i++)
        {
            if (!KnownCommands.Contains(w.AllowedCommands[i]))
            {
                yield return new($"{p}.allowed_commands[{i}]", $"unknown command; known: {string.Join(", ", KnownCommands)}");
            }
        }

        if (w.DiscordPublicKey is not null && !HexKey().IsMatch(w.DiscordPublicKey))
        {
            yield return new($"{p}.discord_public_key", "must be 64 hexadecimal characters (an Ed25519 public key)");
        }

        if (w.AuthToken is not null && w.Tokens.ContainsKey("default"))
        {
            yield return new($"{p}.tokens.default", "'default' is the name of auth_token; choose another name");
        }

        foreach (var (name, token) in w.Tokens)
        {
            if (!TokenName().IsMatch(name))
            {
                yield return new($"{p}.tokens", "token names use letters, digits, '-', '_' and '.' (1-64 characters)");
            }

            if (token is null || string.IsNullOrWhiteSpace(token.Token))
            {
                yield return new($"{p}.tokens.{name}", "is empty");
                continue;
            }

            for (var i = 0; token.Scopes is not null && i < token.Scopes.Count; i++)
            {
                if (!TokenScopes.Known.Contains(token.Scopes[i] ?? ""))
                {
                    yield return new($"{p}.tokens.{name}.scopes[{i}]", "unknown scope; known: " + string.Join(", ", TokenScopes.Known));
                }
            }
        }

        if (w.Tls is { } tls)
        {
            if (string.IsNullOrWhiteSpace(tls.Certificate))
            {
                yield return new($"{p}.tls.certificate", "is required when tls is set");
            }

            if (string.IsNullOrWhiteSpace(tls.Key))
            {
                yield return new($"{p}.tls.key", "is required when tls is set");
            }
        }

        if (w.IpAllowlist is { } allow)
        {
            for (var i = 0; i < allow.Count; i++)
            {
                if (!NetworkList.TryParse(allow[i], out _))
                {
                    yield return new($"{p}.ip_allowlist[{i}]", "is not an IP address or CIDR network");
                }
            }
        }

        for (var i = 0; i < w.TrustedProxies.Count; i++)
        {
            if (!NetworkList.TryParse(w.TrustedProxies[i], out _))
            {
                yield return new($"{p}.trusted_proxies[{i}]", "is not an IP address or CIDR network");
            }
        }

        var limits = w.ClientLimits;
        if (limits.HeaderTimeout is < 1 or > 300)
        {
            yield return new($"{p}.client_limits.header_timeout", "must be between 1 and 300 seconds");
        }

        if (limits.MinBodyRate < 0)
        {
            yield return new($"{p}.client_limits.min_body_rate", "must be 0 (off) or more bytes per second");
        }

        if (limits.BodyRateGrace is < 1 or > 300)
        {
            yield return new($"{p}.client_limits.body_rate_grace", "must be between 1 and 300 seconds");
        }

        if (limits.KeepAliveTimeout is < 1 or > 3600)
        {
            yield return new($"{p}.client_limits.keep_alive_timeout", "must be between 1 and 3600 seconds");
        }

        if (limits.MaxConnections < 0)
        {
            yield return new($"{p}.client_limits.max_connections", "must be 0 (no limit) or more");
        }

        foreach (var error in ValidateBodyLimits(w.BodyLimits))
        {
            yield return error;
        }

        if (!Uri.TryCreate(w.Runner.Url, UriKind.Absolute, out var runnerUri) || runnerUri.Scheme is not ("http" or "https"))
        {
            yield return new($"{p}.runner.url", "must be an absolute http:// or https:// URL");
        }

        if (w.Runner.LogHeartbeat is < 0.05 or > 50)
        {
            yield return new($"{p}.runner.log_heartbeat", "must be between 0.05 and 50 seconds (under the gateway's 60 s idle timeout)");
        }

        if (w.Runner.ShutdownGrace is < 0 or > 3600)
        {
            yield return new($"{p}.runner.shutdown_grace", "must be between 0 and 3600 seconds");
        }

        var s = w.Sandbox;
        if (string.IsNullOrWhiteSpace(s.Image))
        {
            yield return new($"{p}.sandbox.image", "is required");
        }

        if (!ByteSize.TryParse(s.Memory, out var memory) || memory < 6L * 1024 * 1024)
        {
            yield return new($"{p}.sandbox.memory", "must be a size of at least 6m, such as 512m or 2g");
        }

        if (s.Cpus is <= 0 or > 1024)
        {
            yield return new($"{p}.sandbox.cpus", "must be greater than 0");
        }

        if (s.Pids < 1)
        {
            yield return new($"{p}.sandbox.pids", "must be at least 1");
        }

        if (s.Network is not ("none" or "bridge" or "egress"))
        {
            yield return new($"{p}.sandbox.network", "must be 'none', 'egress' or 'bridge'");
        }
        else if (s.Network == "egress" && s.EgressAllow.Count == 0 && s.EgressPrivateGateways.Count == 0)
        {
            yield return new($"{p}.sandbox.egress_allow", "must list at least one host name when network is 'egress' (or set egress_private_gateways)");
        }

        for (var i = 0; i < s.EgressAllow.Count; i++)
        {
            if (!EgressHost().IsMatch(s.EgressAllow[i] ?? ""))
            {
                yield return new($"{p}.sandbox.egress_allow[{i}]", "must be a host name such as api.anthropic.com (a leading dot admits subdomains), not an address");
            }
        }

        for (var i = 0; i < s.EgressPrivateGateways.Count; i++)
        {
            foreach (var error in ValidateEgressGateway(s.EgressPrivateGateways[i], $"{p}.sandbox.egress_private_gateways[{i}]"))
            {
                yield return error;
            }
        }

        if (!NetworkName().IsMatch(s.EgressNetwork ?? ""))
        {
            yield return new($"{p}.sandbox.egress_network", "must be a Docker network name (letters, digits, '_', '.', '-')");
        }

        if (string.IsNullOrWhiteSpace(s.EgressProxyImage))
        {
            yield return new($"{p}.sandbox.egress_proxy_image", "is required");
        }

        if (string.IsNullOrWhiteSpace(s.ReviewPrompt))
        {
            yield return new($"{p}.sandbox.review_prompt", "must not be blank (set sandbox.review: false to keep the built-in analyze report)");
        }

        if (s.Agent is not null && !KnownAgents.Contains(s.Agent))
        {
            yield return new($"{p}.sandbox.agent", "must be one of: " + string.Join(", ", KnownAgents.Order(StringComparer.Ordinal)));
        }

        for (var i = 0; i < s.Env.Count; i++)
        {
            if (!VariableName().IsMatch(s.Env[i] ?? "") || s.Env[i] is "HOME" or "PATH" || s.Env[i].StartsWith("CODEUR_", StringComparison.Ordinal)
                || s.Env[i].StartsWith("LD_", StringComparison.Ordinal))
            {
                yield return new($"{p}.sandbox.env[{i}]", "must be an environment variable name (not HOME, PATH, LD_* or CODEUR_*)");
            }
        }

        if (!IsNonRootUser(s.User))
        {
            yield return new($"{p}.sandbox.user", "must be 'uid' or 'uid:gid' with numeric ids and uid not 0");
        }

        if (!ByteSize.TryParse(s.TmpSize, out var tmp) || tmp < 1024 * 1024)
        {
            yield return new($"{p}.sandbox.tmp_size", "must be a size of at least 1m, such as 64m");
        }

        if (!ByteSize.TryParse(s.OutputLimit, out var output) || output < 1024)
        {
            yield return new($"{p}.sandbox.output_limit", "must be a size of at least 1k, such as 4m");
        }

        if (!ByteSize.TryParse(s.MaxFileSize, out var fsize) || fsize < 1024 * 1024)
        {
            yield return new($"{p}.sandbox.max_file_size", "must be a size of at least 1m, such as 1g");
        }

        if (!ByteSize.TryParse(s.LogMaxSize, out var logSize) || logSize < 1024)
        {
            yield return new($"{p}.sandbox.log_max_size", "must be a size of at least 1k, such as 1m");
        }

        if (s.Nofile is < 16 or > 1_048_576)
        {
            yield return new($"{p}.sandbox.nofile", "must be between 16 and 1048576");
        }

        if (s.SweepInterval is < 5 or > 86_400)
        {
            yield return new($"{p}.sandbox.sweep_interval", "must be between 5 and 86400 seconds");
        }

        if (s.Runtime is not null && !RuntimeName().IsMatch(s.Runtime))
        {
            yield return new($"{p}.sandbox.runtime", "must be an OCI runtime name such as runc or runsc");
        }

        foreach (var (command, runtime) in s.Runtimes)
        {
            if (!SandboxedCommands.Contains(command))
            {
                yield return new($"{p}.sandbox.runtimes.{command}", "is not a command that runs in a sandbox; known: " + string.Join(", ", SandboxedCommands));
            }
            else if (runtime is null || !RuntimeName().IsMatch(runtime))
            {
                yield return new($"{p}.sandbox.runtimes.{command}", "must be an OCI runtime name such as runc or runsc");
            }
        }

        for (var i = 0; i < w.ForbiddenPaths.Count; i++)
        {
            if (!IsAbsoluteOrHome(w.ForbiddenPaths[i]))
            {
                yield return new($"{p}.forbidden_paths[{i}]", "must be an absolute path (or start with ~)");
            }
        }

        for (var i = 0; i < s.ProjectRoots.Count; i++)
        {
            if (!IsAbsoluteOrHome(s.ProjectRoots[i]))
            {
                yield return new($"{p}.sandbox.project_roots[{i}]", "must be an absolute path (or start with ~)");
            }
        }

        foreach (var (command, argv) in s.Commands)
        {
            if (!KnownCommands.Contains(command))
            {
                yield return new($"{p}.sandbox.commands.{command}", "is not a known command");
            }

            if (argv.Count == 0 || string.IsNullOrWhiteSpace(argv[0]))
            {
                yield return new($"{p}.sandbox.commands.{command}", "must be a non-empty argv list");
            }
        }

        var q = w.Queue;
        if (q.Backend is not ("sqlite" or "redis"))
        {
            yield return new($"{p}.queue.backend", "must be 'sqlite' or 'redis'");
        }
        else if (q.Backend == "sqlite" && string.IsNullOrWhiteSpace(q.Path))
        {
            yield return new($"{p}.queue.path", "is required for the sqlite backend");
        }
        else if (q.Backend == "redis" && string.IsNullOrWhiteSpace(q.Connection))
        {
            yield return new($"{p}.queue.connection", "is required for the redis backend");
        }

        if (q.Capacity < 1)
        {
            yield return new($"{p}.queue.capacity", "must be at least 1");
        }

        if (q.Lease is < 2 or > 3600)
        {
            yield return new($"{p}.queue.lease", "must be between 2 and 3600 seconds");
        }

        foreach (var error in RetentionSection.Validate(q.Retention, w.Timeout, $"{p}.queue.retention"))
        {
            yield return error;
        }

        if (w.Storage.S3 is { } s3)
        {
            foreach (var error in S3StorageSection.Validate(s3, $"{p}.storage.s3"))
            {
                yield return error;
            }
        }

        foreach (var error in ValidateIntake(w))
        {
            yield return error;
        }

        foreach (var error in ValidateAccess(w))
        {
            yield return error;
        }

        foreach (var error in ValidateReplies(w.Replies))
        {
            yield return error;
        }

        if (w.Spool is { } spool)
        {
            foreach (var error in ValidateSpool(spool, $"{p}.spool"))
            {
                yield return error;
            }
        }
    }

    private static IEnumerable<ConfigError> ValidateSpool(SpoolSection s, string p)
    {
        if (s.Backend is not ("file" or "redis"))
        {
            yield return new($"{p}.backend", "must be 'file' or 'redis'");
        }
        else if (s.Backend == "file" && string.IsNullOrWhiteSpace(s.Path))
        {
            yield return new($"{p}.path", "is required for the file backend");
        }
        else if (s.Backend == "redis" && string.IsNullOrWhiteSpace(s.Connection))
        {
            yield return new($"{p}.connection", "is required for the redis backend");
        }

        if (s.MaxEntries < 1)
        {
            yield return new($"{p}.max_entries", "must be at least 1");
        }

        if (!ByteSize.TryParse(s.MaxBytes, out var bytes) || bytes < 1024)
        {
            yield return new($"{p}.max_bytes", "must be a size of at least 1k (e.g. 256m)");
        }
    }

    private static IEnumerable<ConfigError> ValidateReplies(RepliesSection r)
    {
        const string at = "webhook.replies";
        (string Key, string? Url)[] urls =
            [("github_api_url", r.GithubApiUrl), ("slack_api_url", r.SlackApiUrl), ("slack_hooks_url", r.SlackHooksUrl), ("discord_api_url", r.DiscordApiUrl), ("task_api_url", r.TaskApiUrl)];
        foreach (var (key, url) in urls)
        {
            if (key == "task_api_url" && url is null)
            {
                continue;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return new($"{at}.{key}", "must be an absolute http:// or https:// URL");
            }
        }

        if (r.ProgressInterval is < 0 or > 86_400)
        {
            yield return new($"{at}.progress_interval", "must be between 0 (off) and 86400 seconds");
        }

        if (r.Expiry is < 60 or > 30 * 86_400)
        {
            yield return new($"{at}.expiry", "must be between 60 and 2592000 seconds");
        }

        if (r.RequestTimeout is < 1 or > 300)
        {
            yield return new($"{at}.request_timeout", "must be between 1 and 300 seconds");
        }

        for (var i = 0; i < r.Redact.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(r.Redact[i]) || r.Redact[i].Length < 4)
            {
                yield return new($"{at}.redact[{i}]", "must be at least 4 characters (shorter strings would mask ordinary words)");
            }
        }
    }

    private static IEnumerable<ConfigError> ValidateBodyLimits(BodyLimitsSection limits)
    {
        const string at = "webhook.body_limits";
        (string Key, string? Value)[] entries =
            [("default", limits.Default), ("github", limits.Github), ("slack", limits.Slack), ("discord", limits.Discord), ("api", limits.Api)];
        foreach (var (key, value) in entries)
        {
            if (value is null)
            {
                continue;
            }

            if (!ByteSize.TryParse(value, out var bytes) || bytes < 1)
            {
                yield return new($"{at}.{key}", "must be a size such as 512k or 1m");
            }
            else if (bytes > BodyLimitsSection.GitHubCeiling)
            {
                yield return new($"{at}.{key}", "must not exceed 25m (GitHub's own maximum payload)");
            }
        }
    }

    public static readonly IReadOnlySet<string> KnownAssociations = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "MANNEQUIN", "NONE",
    };

    private static IEnumerable<ConfigError> ValidateIntake(WebhookSection w)
    {
        const string p = "webhook";
        if (string.IsNullOrWhiteSpace(w.CommandPrefix) || w.CommandPrefix.Length > 32 || w.CommandPrefix.Any(char.IsWhiteSpace))
        {
            yield return new($"{p}.command_prefix", "must be 1-32 characters without spaces, such as !agent");
        }

        if (w.MaxTaskLength is < 1 or > 100_000)
        {
            yield return new($"{p}.max_task_length", "must be between 1 and 100000 characters");
        }

        for (var i = 0; i < w.ForbiddenPaths.Count; i++)
        {
            var entry = w.ForbiddenPaths[i];
            if (string.IsNullOrWhiteSpace(entry) || !(entry.StartsWith('/') || entry == "~" || entry.StartsWith("~/", StringComparison.Ordinal)))
            {
                yield return new($"{p}.forbidden_paths[{i}]", "must be an absolute path or start with ~/");
            }
        }

        var g = w.Github;
        for (var i = 0; i < g.AllowedAssociations.Count; i++)
        {
            if (!KnownAssociations.Contains(g.AllowedAssociations[i] ?? ""))
            {
                yield return new($"{p}.github.allowed_associations[{i}]", $"unknown author association; known: {string.Join(", ", KnownAssociations)}");
            }
        }

        foreach (var (eventName, command) in g.Events)
        {
            if (!EventKey().IsMatch(eventName))
            {
                yield return new($"{p}.github.events", "keys are a GitHub event name or event.action, such as pull_request.opened");
            }
            else if (command is null || command == "cancel" || !KnownCommands.Contains(command))
            {
                yield return new($"{p}.github.events.{eventName}", "must be one of run, analyze, search, status");
            }
        }

        (string Key, List<string>? List)[] requesters =
            [("github", w.Requesters.Github), ("slack", w.Requesters.Slack), ("discord", w.Requesters.Discord), ("api", w.Requesters.Api)];
        foreach (var (key, list) in requesters)
        {
            for (var i = 0; list is not null && i < list.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(list[i]))
                {
                    yield return new($"{p}.requesters.{key}[{i}]", "is empty");
                }
            }
        }
    }

    /// <summary>Empty secrets (an empty environment variable) mean "not configured", never "accept the empty string".</summary>
    private static void Normalize(WebhookSection w)
    {
        w.AuthToken = NullIfBlank(w.AuthToken);
        w.DiscordBotToken = NullIfBlank(w.DiscordBotToken);
        w.GithubWebhookSecret = NullIfBlank(w.GithubWebhookSecret);
        w.SlackSigningSecret = NullIfBlank(w.SlackSigningSecret);
        w.DiscordPublicKey = NullIfBlank(w.DiscordPublicKey);
        w.GithubToken = NullIfBlank(w.GithubToken);
        w.SlackBotToken = NullIfBlank(w.SlackBotToken);
        w.Runner.InternalToken = NullIfBlank(w.Runner.InternalToken);
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static bool IsValidRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static IEnumerable<ConfigError> ValidateEgressGateway(EgressGatewayEntry? gateway, string key)
    {
        if (gateway is null)
        {
            yield return new(key, "must be a mapping {host, cidrs, ports}");
            yield break;
        }

        if (gateway.Host is null || gateway.Host.StartsWith('.') || !EgressHost().IsMatch(gateway.Host))
        {
            yield return new($"{key}.host", "must be one exact host name such as llm.internal (no leading dot), not an address");
        }

        if (gateway.Cidrs is null || gateway.Cidrs.Count == 0)
        {
            yield return new($"{key}.cidrs", "must list the address ranges the host resolves into, such as 10.1.2.0/24");
        }
        else
        {
            for (var j = 0; j < gateway.Cidrs.Count; j++)
            {
                var text = gateway.Cidrs[j];
                if (text is null || !text.Contains('/', StringComparison.Ordinal) || !System.Net.IPNetwork.TryParse(text, out var range)
                    || range.BaseAddress.IsIPv4MappedToIPv6 || text.Contains("::ffff:", StringComparison.OrdinalIgnoreCase)
                    || (range.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? range.PrefixLength < 8 : range.PrefixLength < 32))
                {
                    yield return new($"{key}.cidrs[{j}]", "must be a CIDR range: IPv4 /8 or narrower, IPv6 /32 or narrower, the base address without host bits (e.g. 10.1.2.0/24)");
                }
            }
        }

        if (gateway.Ports is null || gateway.Ports.Count == 0 || gateway.Ports.Any(port => port is < 1 or > 65535))
        {
            yield return new($"{key}.ports", "must list ports between 1 and 65535");
        }
    }

    private static bool IsAbsoluteOrHome(string? path) =>
        !string.IsNullOrWhiteSpace(path) && (path.StartsWith('/') || path == "~" || path.StartsWith("~/", StringComparison.Ordinal));

    private static bool IsNonRootUser(string? user)
    {
        if (string.IsNullOrWhiteSpace(user))
        {
            return false;
        }

        var parts = user.Split(':');
        return parts.Length is 1 or 2
            && parts.All(part => uint.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            && uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    // A DNS name of at least two labels, optionally with a leading dot; never an IP literal (the last label has a letter).
    [GeneratedRegex(@"^\.?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex EgressHost();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NetworkName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex VariableName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex RuntimeName();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex HexKey();

    [GeneratedRegex("^[a-z_]{1,64}(\\.[a-z_]{1,64})?$")]
    private static partial Regex EventKey();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex TokenName();
}
