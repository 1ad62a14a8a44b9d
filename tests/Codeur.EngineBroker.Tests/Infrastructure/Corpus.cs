using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>
/// The escalation corpus: every Config/HostConfig field that grants host access (or removes a protection the sandbox
/// depends on), each crossed with every key spelling the engine's decoder accepts. Built programmatically so the
/// matrix stays complete as fields are added.
/// </summary>
internal static class Corpus
{
    private static JsonElement Get(JsonElement root, string path)
    {
        var current = root;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return default;
            }
        }

        return current;
    }

    private static string Str(JsonElement root, string path) => Get(root, path) is { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";

    private static bool True(JsonElement root, string path) => Get(root, path).ValueKind == JsonValueKind.True;

    private static long Num(JsonElement root, string path) => Get(root, path) is { ValueKind: JsonValueKind.Number } n ? n.GetInt64() : long.MinValue;

    private static List<JsonElement> Items(JsonElement root, string path) =>
        Get(root, path) is { ValueKind: JsonValueKind.Array } a ? [.. a.EnumerateArray()] : [];

    private static bool Empty(JsonElement root, string path) => Items(root, path).Count == 0;

    private static bool Contains(JsonElement root, string path, string fragment) =>
        Items(root, path).Any(i => i.ValueKind == JsonValueKind.String && i.GetString()!.Contains(fragment, StringComparison.Ordinal));

    private static bool AnyMount(JsonElement root, Func<JsonElement, bool> predicate) => Items(root, "HostConfig.Mounts").Any(predicate);

    private static string[] H(string key) => ["HostConfig", key];

    private const string SafeMount = """{"Type":"bind","Source":"{PROJECT}","Target":"/workspace","ReadOnly":false,"BindOptions":{"Propagation":"rprivate"}}""";

    public static readonly Escalation[] All =
    [
        // Who the process is, and what it runs.
        new("user-root-numeric", ["User"], "\"0:0\"", r => Str(r, "Config.User") == "0:0"),
        new("user-root-name", ["User"], "\"root\"", r => Str(r, "Config.User") == "root"),
        new("user-uid-only-zero", ["User"], "\"0\"", r => Str(r, "Config.User") == "0"),
        new("image-not-allowed", ["Image"], "\"{IMAGE}\"", r => Str(r, "Config.Image").StartsWith("codeur/broker-test-other:", StringComparison.Ordinal)),
        new("anonymous-volume", ["Volumes"], """{"/data":{}}""", r => Get(r, "Config.Volumes").ValueKind == JsonValueKind.Object && Get(r, "Config.Volumes").TryGetProperty("/data", out _)),
        new("labels-another-runner", ["Labels"], """{"codeur.runner":"someone-else","codeur.task":"t","codeur.deadline":"1"}""", r => Get(r, "Config.Labels").TryGetProperty("codeur.runner", out var v) && v.GetString() == "someone-else"),

        // Privilege and capabilities.
        new("privileged", H("Privileged"), "true", r => True(r, "HostConfig.Privileged")),
        new("cap-add-sys-admin", H("CapAdd"), "[\"SYS_ADMIN\"]", r => Contains(r, "HostConfig.CapAdd", "SYS_ADMIN")),
        new("cap-add-all", H("CapAdd"), "[\"ALL\"]", r => Contains(r, "HostConfig.CapAdd", "ALL")),
        new("cap-drop-nothing", H("CapDrop"), "[]", r => Empty(r, "HostConfig.CapDrop")),
        new("cap-drop-null", H("CapDrop"), "null", r => Empty(r, "HostConfig.CapDrop")),
        new("group-add-root", H("GroupAdd"), "[\"0\"]", r => Contains(r, "HostConfig.GroupAdd", "0")),

        // Security options, including profiles given inline.
        new("seccomp-unconfined", H("SecurityOpt"), "[\"no-new-privileges\",\"seccomp=unconfined\"]", r => Contains(r, "HostConfig.SecurityOpt", "seccomp=unconfined")),
        new("seccomp-inline-allow-all", H("SecurityOpt"), "[\"no-new-privileges\",\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]", r => Contains(r, "HostConfig.SecurityOpt", "SCMP_ACT_ALLOW")),
        new("apparmor-unconfined", H("SecurityOpt"), "[\"no-new-privileges\",\"apparmor=unconfined\"]", r => Contains(r, "HostConfig.SecurityOpt", "apparmor=unconfined")),
        new("selinux-label-disable", H("SecurityOpt"), "[\"no-new-privileges\",\"label=disable\"]", r => Contains(r, "HostConfig.SecurityOpt", "label=disable")),
        new("no-new-privileges-off", H("SecurityOpt"), "[\"no-new-privileges:false\"]", r => Contains(r, "HostConfig.SecurityOpt", "no-new-privileges:false")),
        new("security-opt-none", H("SecurityOpt"), "[]", r => Empty(r, "HostConfig.SecurityOpt")),
        new("security-opt-null", H("SecurityOpt"), "null", r => Empty(r, "HostConfig.SecurityOpt")),
        new("masked-paths-none", H("MaskedPaths"), "[]", r => Get(r, "HostConfig.MaskedPaths").ValueKind == JsonValueKind.Array && Empty(r, "HostConfig.MaskedPaths")),
        new("readonly-paths-none", H("ReadonlyPaths"), "[]", r => Get(r, "HostConfig.ReadonlyPaths").ValueKind == JsonValueKind.Array && Empty(r, "HostConfig.ReadonlyPaths")),

        // Host files: binds, mounts of every type, volumes of other containers.
        new("binds-host-root", H("Binds"), "[\"/:/host\"]", r => Contains(r, "HostConfig.Binds", "/:/host")),
        new("binds-engine-socket", H("Binds"), "[\"/var/run/docker.sock:/s\"]", r => Contains(r, "HostConfig.Binds", "docker.sock")),
        new("binds-outside-projects", H("Binds"), "[\"{OUTSIDE}:/outside\"]", r => Contains(r, "HostConfig.Binds", "/outside:")),
        new("mount-host-root-extra", H("Mounts"), "[" + SafeMount + ",{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]", r => AnyMount(r, m => Str(m, "Source") == "/")),
        new("mount-host-root-as-workspace", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source") == "/")),
        new("mount-engine-socket", H("Mounts"), "[" + SafeMount + ",{\"Type\":\"bind\",\"Source\":\"/var/run/docker.sock\",\"Target\":\"/s\"}]", r => AnyMount(r, m => Str(m, "Source") == "/var/run/docker.sock")),
        new("mount-symlink-to-outside", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECTS}/link\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source").EndsWith("/projects/link", StringComparison.Ordinal))),
        new("mount-symlink-to-root", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECTS}/rootlink\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source").EndsWith("/projects/rootlink", StringComparison.Ordinal))),
        new("mount-symlink-in-parent", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECTS}/dirlink/sub\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source").EndsWith("/dirlink/sub", StringComparison.Ordinal))),
        new("mount-dotdot-escape", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECT}/../../outside\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source").Contains("/..", StringComparison.Ordinal))),
        new("mount-sibling-of-root", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{ROOT}/projects-other\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source").EndsWith("/projects-other", StringComparison.Ordinal))),
        new("mount-projects-root-itself", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECTS}\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Source").EndsWith("/projects", StringComparison.Ordinal))),
        new("mount-propagation-rshared", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECT}\",\"Target\":\"/workspace\",\"BindOptions\":{\"Propagation\":\"rshared\"}}]", r => AnyMount(r, m => Str(m, "BindOptions.Propagation") == "rshared")),
        new("mount-propagation-shared", H("Mounts"), "[{\"Type\":\"bind\",\"Source\":\"{PROJECT}\",\"Target\":\"/workspace\",\"BindOptions\":{\"Propagation\":\"shared\"}}]", r => AnyMount(r, m => Str(m, "BindOptions.Propagation") == "shared")),
        new("mount-volume-anonymous", H("Mounts"), "[{\"Type\":\"volume\",\"Target\":\"/workspace\"}]", r => AnyMount(r, m => Str(m, "Type") == "volume")),
        new("mount-volume-local-bind-of-host-root", H("Mounts"), "[{\"Type\":\"volume\",\"Target\":\"/workspace\",\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}}}]", r => AnyMount(r, m => Str(m, "VolumeOptions.DriverConfig.Options.device") == "/")),
        new("mount-tmpfs-extra", H("Mounts"), "[" + SafeMount + ",{\"Type\":\"tmpfs\",\"Target\":\"/run/x\"}]", r => AnyMount(r, m => Str(m, "Type") == "tmpfs")),
        new("mount-second-project", H("Mounts"), "[" + SafeMount + ",{\"Type\":\"bind\",\"Source\":\"{PROJECTS}/real\",\"Target\":\"/other\"}]", r => Items(r, "HostConfig.Mounts").Count == 2),
        new("volumes-from-another-container", H("VolumesFrom"), "[\"{TARGET}\"]", r => (Items(r, "HostConfig.VolumesFrom").Count > 0)),
        new("tmpfs-exec-suid", H("Tmpfs"), "{\"/tmp\":\"rw,exec,suid,size=67108864\"}", r => Str(r, "HostConfig.Tmpfs./tmp").Contains("suid", StringComparison.Ordinal) && !Str(r, "HostConfig.Tmpfs./tmp").Contains("nosuid", StringComparison.Ordinal)),
        new("readonly-rootfs-off", H("ReadonlyRootfs"), "false", r => Get(r, "HostConfig.ReadonlyRootfs").ValueKind == JsonValueKind.False),

        // Devices.
        new("device-host-memory", H("Devices"), "[{\"PathOnHost\":\"/dev/mem\",\"PathInContainer\":\"/dev/mem\",\"CgroupPermissions\":\"rwm\"}]", r => (Items(r, "HostConfig.Devices").Count > 0)),
        new("device-requests-all-gpus", H("DeviceRequests"), "[{\"Driver\":\"\",\"Count\":-1,\"Capabilities\":[[\"gpu\"]]}]", r => (Items(r, "HostConfig.DeviceRequests").Count > 0)),
        new("device-cgroup-rule-all", H("DeviceCgroupRules"), "[\"a *:* rwm\"]", r => Contains(r, "HostConfig.DeviceCgroupRules", "a *:* rwm")),

        // Namespaces: the host's, or another container's.
        new("network-host", H("NetworkMode"), "\"host\"", r => Str(r, "HostConfig.NetworkMode") == "host"),
        new("network-default-bridge", H("NetworkMode"), "\"bridge\"", r => Str(r, "HostConfig.NetworkMode") == "bridge"),
        new("network-of-another-container", H("NetworkMode"), "\"container:{TARGET}\"", r => Str(r, "HostConfig.NetworkMode").StartsWith("container:", StringComparison.Ordinal)),
        new("pid-host", H("PidMode"), "\"host\"", r => Str(r, "HostConfig.PidMode") == "host"),
        new("pid-of-another-container", H("PidMode"), "\"container:{TARGET}\"", r => Str(r, "HostConfig.PidMode").StartsWith("container:", StringComparison.Ordinal)),
        new("ipc-host", H("IpcMode"), "\"host\"", r => Str(r, "HostConfig.IpcMode") == "host"),
        new("ipc-of-another-container", H("IpcMode"), "\"container:{TARGET}\"", r => Str(r, "HostConfig.IpcMode").StartsWith("container:", StringComparison.Ordinal)),
        new("uts-host", H("UTSMode"), "\"host\"", r => Str(r, "HostConfig.UTSMode") == "host"),
        new("userns-host", H("UsernsMode"), "\"host\"", r => Str(r, "HostConfig.UsernsMode") == "host"),
        new("cgroupns-host", H("CgroupnsMode"), "\"host\"", r => Str(r, "HostConfig.CgroupnsMode") == "host"),
        new("cgroup-of-another-container", H("Cgroup"), "\"container:{TARGET}\"", r => Str(r, "HostConfig.Cgroup").StartsWith("container:", StringComparison.Ordinal)),
        new("cgroup-parent-root", H("CgroupParent"), "\"/\"", r => Str(r, "HostConfig.CgroupParent") == "/"),
        new("sysctl", H("Sysctls"), "{\"kernel.shm_rmid_forced\":\"1\"}", r => Get(r, "HostConfig.Sysctls").ValueKind == JsonValueKind.Object),

        // Network reach: links, hosts, DNS, published ports, log shipping.
        new("links-to-another-container", H("Links"), "[\"{TARGET}:t\"]", r => (Items(r, "HostConfig.Links").Count > 0)) { Also = [(H("NetworkMode"), "\"bridge\"")] },
        new("extra-hosts-host-gateway", H("ExtraHosts"), "[\"host.docker.internal:host-gateway\"]", r => Contains(r, "HostConfig.ExtraHosts", "host-gateway")),
        new("dns-server", H("Dns"), "[\"10.0.0.1\"]", r => Contains(r, "HostConfig.Dns", "10.0.0.1")),
        new("dns-search", H("DnsSearch"), "[\"internal.example\"]", r => Contains(r, "HostConfig.DnsSearch", "internal.example")),
        new("dns-options", H("DnsOptions"), "[\"ndots:9\"]", r => Contains(r, "HostConfig.DnsOptions", "ndots:9")),
        new("port-bindings", H("PortBindings"), "{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"0\"}]}", r => Get(r, "HostConfig.PortBindings").ValueKind == JsonValueKind.Object) { Also = [(H("NetworkMode"), "\"bridge\"")] },
        new("publish-all-ports", H("PublishAllPorts"), "true", r => True(r, "HostConfig.PublishAllPorts")),
        new("log-driver-syslog", H("LogConfig"), "{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":\"udp://127.0.0.1:514\"}}", r => Str(r, "HostConfig.LogConfig.Type") == "syslog"),

        // Runtime and resources the sandbox relies on.
        // The test broker admits runsc only; runc is the one runtime every engine has, so the attempt works everywhere.
        new("runtime-not-configured", H("Runtime"), "\"runc\"", r => Str(r, "HostConfig.Runtime") == "runc"),
        new("memory-unlimited", H("Memory"), "0", r => Num(r, "HostConfig.Memory") == 0) { Also = [(H("MemorySwap"), "0")] },
        new("memory-null", H("Memory"), "null", r => Num(r, "HostConfig.Memory") == 0) { Also = [(H("MemorySwap"), "0")], DuplicatesApply = false },
        new("swap-unlimited", H("MemorySwap"), "-1", r => Num(r, "HostConfig.MemorySwap") == -1),
        new("pids-unlimited", H("PidsLimit"), "-1", r => Get(r, "HostConfig.PidsLimit").ValueKind is JsonValueKind.Null or JsonValueKind.Undefined || Num(r, "HostConfig.PidsLimit") <= 0),
        new("pids-null", H("PidsLimit"), "null", r => Get(r, "HostConfig.PidsLimit").ValueKind is JsonValueKind.Null or JsonValueKind.Undefined || Num(r, "HostConfig.PidsLimit") <= 0),
        new("ulimits-none", H("Ulimits"), "[]", r => Empty(r, "HostConfig.Ulimits")),
        new("oom-kill-disable", H("OomKillDisable"), "true", r => True(r, "HostConfig.OomKillDisable")),
        new("oom-score-adj", H("OomScoreAdj"), "-1000", r => Num(r, "HostConfig.OomScoreAdj") == -1000),
        new("restart-always", H("RestartPolicy"), "{\"Name\":\"always\",\"MaximumRetryCount\":0}", r => Str(r, "HostConfig.RestartPolicy.Name") == "always"),
    ];

    public static Escalation Find(string name) => All.Single(e => e.Name == name);

    /// <summary>The spellings that apply to an escalation's key (Long S and Kelvin only where the key has that letter).</summary>
    public static IEnumerable<Spelling> SpellingsOf(Escalation escalation)
    {
        var key = escalation.Key;
        yield return Spelling.Canonical;
        if (!string.Equals(key.ToLowerInvariant(), key, StringComparison.Ordinal))
        {
            yield return Spelling.Lower;
            yield return Spelling.EscapedLower;
            if (escalation.DuplicatesApply)
            {
                yield return Spelling.CaseDuplicate;
            }
        }

        if (!string.Equals(key.ToUpperInvariant(), key, StringComparison.Ordinal))
        {
            yield return Spelling.Upper;
        }

        if (key.Contains('s', StringComparison.OrdinalIgnoreCase))
        {
            yield return Spelling.LongS;
        }

        if (key.Contains('k', StringComparison.OrdinalIgnoreCase))
        {
            yield return Spelling.Kelvin;
        }

        yield return Spelling.Escaped;
        if (escalation.DuplicatesApply)
        {
            yield return Spelling.Duplicate;
        }
        if (escalation.Path is ["HostConfig", _])
        {
            yield return Spelling.LowerParent;
        }
    }

    public static IEnumerable<(Escalation Escalation, Spelling Spelling)> Attempts() =>
        All.SelectMany(e => SpellingsOf(e).Select(s => (e, s)));

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The runner's body with this escalation written in this spelling; the same bytes go to the engine and to the broker.</summary>
    public static string Body(BrokerFixture fixture, Escalation escalation, Spelling spelling)
    {
        var root = JsonNode.Parse(CreateBodies.Runner(fixture))!.AsObject();
        foreach (var (path, value) in escalation.Also)
        {
            Parent(root, path)[path[^1]] = JsonNode.Parse(Escalation.Substitute(value, fixture));
        }

        var parent = Parent(root, escalation.Path);
        var key = escalation.Key;
        // Go decodes a repeated key into what the first one left: objects (and objects inside arrays) are merged,
        // not replaced. The harmless first value is therefore null for those, so the escalation alone is what lands.
        var existing = parent[key];
        var safe = existing is null or JsonObject || existing is JsonArray { Count: > 0 } array && array[0] is JsonObject ? "null" : existing.ToJsonString();
        parent.Remove(key);
        if (spelling is Spelling.Duplicate or Spelling.CaseDuplicate)
        {
            parent["__SAFE__"] = JsonNode.Parse(safe);
        }

        parent["__ESCALATION__"] = JsonNode.Parse(Escalation.Substitute(escalation.Value, fixture));
        var text = root.ToJsonString(Relaxed);
        var spelt = spelling switch
        {
            Spelling.Canonical or Spelling.Duplicate or Spelling.LowerParent => key,
            Spelling.Lower or Spelling.CaseDuplicate => key.ToLowerInvariant(),
            Spelling.Upper => key.ToUpperInvariant(),
            Spelling.LongS => ReplaceFirst(key, c => c is 's' or 'S', "\u017F"),
            Spelling.Kelvin => ReplaceFirst(key, c => c is 'k' or 'K', "\u212A"),
            Spelling.Escaped => EscapeFirst(key),
            Spelling.EscapedLower => EscapeFirst(key.ToLowerInvariant()),
            _ => throw new ArgumentOutOfRangeException(nameof(spelling)),
        };
        text = text.Replace("\"__SAFE__\"", "\"" + key + "\"", StringComparison.Ordinal)
                   .Replace("\"__ESCALATION__\"", "\"" + spelt + "\"", StringComparison.Ordinal);
        if (spelling == Spelling.LowerParent)
        {
            text = text.Replace("\"HostConfig\"", "\"hostconfig\"", StringComparison.Ordinal);
        }

        return text;
    }

    private static JsonObject Parent(JsonObject root, string[] path)
    {
        var current = root;
        foreach (var part in path[..^1])
        {
            current = current[part]!.AsObject();
        }

        return current;
    }

    private static string ReplaceFirst(string key, Func<char, bool> match, string with)
    {
        var index = key.ToList().FindIndex(c => match(c));
        return key[..index] + with + key[(index + 1)..];
    }

    private static string EscapeFirst(string key) =>
        "\\u" + ((int)key[0]).ToString("x4", CultureInfo.InvariantCulture) + key[1..];

    public static string Describe(Escalation escalation, Spelling spelling, string body) =>
        new StringBuilder().Append(escalation.Name).Append(" / ").Append(spelling).Append(": ").Append(body.Length > 600 ? body[^600..] : body).ToString();
}
