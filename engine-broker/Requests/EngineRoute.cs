using System.Globalization;
using System.Text.RegularExpressions;

namespace Codeur.EngineBroker.Requests;

/// <summary>
/// A request line the broker understands: method, API version, operation, container reference and query. Parsed
/// from the raw request target (never a decoded path, so <c>%2F</c> or <c>..</c> cannot change what it names),
/// and matched against a closed list; the forwarded path is rebuilt from the parsed parts.
/// </summary>
internal sealed partial record EngineRoute(Version ApiVersion, EngineOperation Operation, string? Container, IReadOnlyDictionary<string, string> Query)
{
    public string VersionSegment => string.Create(CultureInfo.InvariantCulture, $"/v{ApiVersion.Major}.{ApiVersion.Minor}");

    public static EngineRoute Parse(string method, string rawTarget, Version minimum)
    {
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? rawTarget : rawTarget[..question];
        var match = PathPattern().Match(path);
        if (!match.Success)
        {
            var unversioned = UnversionedPattern().IsMatch(path);
            throw new EngineRequestRefusedException("path", unversioned
                ? "the API version is required in the path (/vMAJOR.MINOR/...)"
                : "not an Engine API call the broker admits");
        }

        var version = new Version(
            int.Parse(match.Groups["major"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["minor"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture));
        if (version < minimum)
        {
            throw new EngineRequestRefusedException("path", $"API version below the minimum {minimum.Major}.{minimum.Minor}");
        }

        var rest = match.Groups["rest"].Value;
        var container = match.Groups["id"].Success ? match.Groups["id"].Value : null;
        var action = match.Groups["action"].Success ? match.Groups["action"].Value : null;
        var operation = (method, rest, action) switch
        {
            ("GET" or "HEAD", "/_ping", _) => EngineOperation.Ping,
            ("GET", "/version", _) => EngineOperation.Version,
            ("GET", "/containers/json", _) => EngineOperation.List,
            ("POST", "/containers/create", _) => EngineOperation.Create,
            ("GET", _, "json") when container is not null => EngineOperation.Inspect,
            ("POST", _, "start") when container is not null => EngineOperation.Start,
            ("POST", _, "attach") when container is not null => EngineOperation.Attach,
            ("POST", _, "wait") when container is not null => EngineOperation.Wait,
            ("POST", _, "kill") when container is not null => EngineOperation.Kill,
            ("DELETE", _, null) when container is not null => EngineOperation.Remove,
            _ => throw new EngineRequestRefusedException("path", "not an Engine API call the broker admits"),
        };

        var query = ParseQuery(question < 0 ? "" : rawTarget[(question + 1)..], operation);
        return new EngineRoute(version, operation, container, query);
    }

    /// <summary>Each operation's query parameters, each with the values admitted (null: checked by the caller).</summary>
    private static readonly Dictionary<EngineOperation, Dictionary<string, string[]?>> AllowedQuery = new()
    {
        [EngineOperation.Ping] = [],
        [EngineOperation.Version] = [],
        [EngineOperation.Create] = [],
        [EngineOperation.Inspect] = [],
        [EngineOperation.Start] = [],
        [EngineOperation.List] = new() { ["all"] = ["0", "1", "true", "false"], ["filters"] = null },
        [EngineOperation.Attach] = new()
        {
            ["stream"] = ["0", "1", "true", "false"], ["stdout"] = ["0", "1", "true", "false"],
            ["stderr"] = ["0", "1", "true", "false"], ["logs"] = ["0", "1", "true", "false"],
        },
        [EngineOperation.Wait] = new() { ["condition"] = ["not-running", "next-exit", "removed"] },
        [EngineOperation.Kill] = new() { ["signal"] = ["SIGKILL", "KILL", "9"] },
        [EngineOperation.Remove] = new() { ["v"] = ["0", "1", "true", "false"], ["force"] = ["0", "1", "true", "false"] },
    };

    private static Dictionary<string, string> ParseQuery(string query, EngineOperation operation)
    {
        var allowed = AllowedQuery[operation];
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (query.Length == 0)
        {
            return result;
        }

        foreach (var pair in query.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (!allowed.TryGetValue(name, out var values))
            {
                throw new EngineRequestRefusedException("query", "a parameter this call does not admit");
            }

            if (!result.TryAdd(name, value))
            {
                throw new EngineRequestRefusedException("query." + name, "given more than once");
            }

            if (values is not null && !values.Contains(value, StringComparer.Ordinal))
            {
                throw new EngineRequestRefusedException("query." + name, "a value this call does not admit");
            }
        }

        return result;
    }

    /// <summary>The forwarded query: the parsed parameters, re-encoded.</summary>
    public string QueryString(IReadOnlyDictionary<string, string>? replace = null)
    {
        var parameters = replace ?? Query;
        return parameters.Count == 0 ? "" : "?" + string.Join('&', parameters.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
    }

    [GeneratedRegex(@"^/v(?<major>[1-9][0-9]?)\.(?<minor>0|[1-9][0-9]{0,2})(?<rest>/_ping|/version|/containers/json|/containers/create|/containers/(?<id>[A-Za-z0-9][A-Za-z0-9_.-]{0,127})(/(?<action>json|start|attach|wait|kill))?)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^/(_ping|version|containers/)", RegexOptions.CultureInvariant)]
    private static partial Regex UnversionedPattern();
}
