using System.Globalization;
using System.Text.Json;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Requests;

namespace Codeur.EngineBroker.Create;

/// <summary>
/// Reads a <c>POST /containers/create</c> body against the allowlist model of the one container the runner makes
/// (runner/Sandbox/ContainerSpecBuilder.cs): every key it sends is known here, each with the values it may take;
/// any other key, spelling, type or value is refused with the field's name. The result is a
/// <see cref="SandboxContainer"/>, which the broker serialises itself.
/// </summary>
internal sealed class CreateBodyValidator(BrokerPolicy policy)
{
    public const string WorkspacePath = "/workspace";
    public const string RunnerLabel = "codeur.runner";
    public const string TaskLabel = "codeur.task";
    public const string DeadlineLabel = "codeur.deadline";

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    private static readonly HashSet<string> ConfigKeys = new(StringComparer.Ordinal)
    {
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce",
        "Env", "Cmd", "Image", "WorkingDir", "Entrypoint", "NetworkDisabled", "Labels", "HostConfig",
    };

    private static readonly HashSet<string> HostConfigKeys = new(StringComparer.Ordinal)
    {
        "Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "RestartPolicy", "AutoRemove", "VolumeDriver", "CapAdd",
        "CapDrop", "CgroupnsMode", "IpcMode", "Cgroup", "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts",
        "ReadonlyRootfs", "SecurityOpt", "Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Isolation", "CpuShares", "Memory",
        "NanoCpus", "CgroupParent", "BlkioWeight", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime",
        "CpusetCpus", "CpusetMems", "Devices", "MemoryReservation", "MemorySwap", "PidsLimit", "Ulimits", "CpuCount",
        "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth", "Mounts", "Init", "Runtime",
    };

    /// <summary>HostConfig strings the runner leaves empty: any other value is a namespace, cgroup or driver choice.</summary>
    private static readonly string[] EmptyHostStrings =
        ["ContainerIDFile", "VolumeDriver", "Cgroup", "PidMode", "UTSMode", "UsernsMode", "Isolation", "CgroupParent", "CpusetCpus", "CpusetMems"];

    private static readonly string[] ZeroHostNumbers =
    [
        "OomScoreAdj", "ShmSize", "CpuShares", "BlkioWeight", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime",
        "MemoryReservation", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth",
    ];

    private static readonly string[] FalseHostBools = ["AutoRemove", "Privileged", "PublishAllPorts"];

    private static readonly string[] EmptyHostArrays = ["Binds", "CapAdd", "Devices"];

    private static readonly HashSet<string> LogConfigKeys = new(StringComparer.Ordinal) { "Type", "Config" };
    private static readonly HashSet<string> RestartPolicyKeys = new(StringComparer.Ordinal) { "Name", "MaximumRetryCount" };
    private static readonly HashSet<string> UlimitKeys = new(StringComparer.Ordinal) { "Name", "Hard", "Soft" };
    private static readonly HashSet<string> MountKeys = new(StringComparer.Ordinal) { "Type", "Source", "Target", "ReadOnly", "BindOptions" };
    private static readonly HashSet<string> BindOptionsKeys = new(StringComparer.Ordinal) { "Propagation" };
    private static readonly HashSet<string> UlimitNames = new(StringComparer.Ordinal) { "nofile", "core", "fsize" };
    private static readonly HashSet<string> TmpfsFlags = new(StringComparer.Ordinal) { "rw", "noexec", "nosuid", "nodev" };

    public SandboxContainer Validate(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            // Duplicate keys land here too: JsonDocument refuses them with AllowDuplicateProperties = false.
            throw new EngineRequestRefusedException("body", "not a single well-formed JSON object without duplicate keys");
        }

        using (document)
        {
            try
            {
                return Validate(new StrictObject(document.RootElement, "", ConfigKeys));
            }
            catch (InvalidOperationException)
            {
                // JsonDocument checks string encoding only when a string is read: invalid UTF-8 surfaces here.
                throw new EngineRequestRefusedException("body", "not valid UTF-8");
            }
        }
    }

    private SandboxContainer Validate(StrictObject config)
    {
        RequireEmpty(config, "Hostname");
        RequireEmpty(config, "Domainname");
        foreach (var name in (string[])["AttachStdin", "Tty", "OpenStdin", "StdinOnce"])
        {
            if (config.Bool(name) == true)
            {
                throw config.Refuse(name, "must be false");
            }
        }

        var image = config.String("Image", required: true)!;
        if (!policy.Images.Contains(image))
        {
            throw config.Refuse("Image", "not one of the configured sandbox images");
        }

        var user = config.String("User", required: true)!;
        if (!IsNonRootNumericUser(user))
        {
            throw config.Refuse("User", "must be a numeric UID:GID, both non-zero");
        }

        var workingDir = config.String("WorkingDir") ?? WorkspacePath;
        if (workingDir != WorkspacePath && !(SymlinkFreePath.IsPlainAbsolute(workingDir) && SymlinkFreePath.IsStrictlyUnder(workingDir, WorkspacePath)))
        {
            throw config.Refuse("WorkingDir", "must be /workspace or a plain path under it");
        }

        var entrypoint = config.Strings("Entrypoint", required: true)!;
        if (entrypoint.Count != 1 || entrypoint[0].Length == 0)
        {
            throw config.Refuse("Entrypoint", "must name exactly one program");
        }

        var labels = config.Map("Labels", required: true)!;
        ValidateLabels(config, labels);

        var host = config.Object("HostConfig", HostConfigKeys, required: true)!;
        var networkMode = host.String("NetworkMode", required: true)!;
        if (networkMode != "none" && (policy.Options.EgressNetwork.Length == 0 || networkMode != policy.Options.EgressNetwork))
        {
            throw host.Refuse("NetworkMode", "must be none or the configured egress network");
        }

        var container = new SandboxContainer
        {
            Image = image,
            User = user,
            AttachStdout = config.Bool("AttachStdout") ?? false,
            AttachStderr = config.Bool("AttachStderr") ?? false,
            Env = config.Strings("Env", nullable: true) ?? [],
            Entrypoint = entrypoint,
            Cmd = config.Strings("Cmd", nullable: true) ?? [],
            WorkingDir = workingDir,
            NetworkDisabled = config.Bool("NetworkDisabled") ?? false,
            Labels = labels,
            NetworkMode = networkMode,
            LogOptions = ValidateLogConfig(host),
            TmpfsOptions = ValidateTmpfs(host),
            Memory = ValidateMemory(host),
            NanoCpus = Positive(host, "NanoCpus", long.MaxValue),
            PidsLimit = Positive(host, "PidsLimit", policy.Options.MaxPids),
            Ulimits = ValidateUlimits(host),
            Init = host.Bool("Init") ?? false,
            Runtime = ValidateRuntime(host),
            MountSource = "",
            MountReadOnly = false,
        };

        ValidateFixedHostSettings(host);
        var (source, readOnly) = ValidateMount(host);
        return container with { MountSource = source, MountReadOnly = readOnly };
    }

    private void ValidateLabels(StrictObject config, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var key in labels.Keys)
        {
            if (key is not (RunnerLabel or TaskLabel or DeadlineLabel))
            {
                throw config.Refuse("Labels", "only codeur.runner, codeur.task and codeur.deadline are admitted");
            }
        }

        if (!labels.TryGetValue(RunnerLabel, out var runner) || runner != policy.RunnerId)
        {
            throw config.Refuse("Labels." + RunnerLabel, "must be this runner's id");
        }

        if (!labels.TryGetValue(TaskLabel, out var task) || task.Length == 0)
        {
            throw config.Refuse("Labels." + TaskLabel, "is required");
        }

        if (!labels.TryGetValue(DeadlineLabel, out var deadline) || !long.TryParse(deadline, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw config.Refuse("Labels." + DeadlineLabel, "must be a Unix time in seconds");
        }
    }

    private static void ValidateFixedHostSettings(StrictObject host)
    {
        foreach (var name in EmptyHostStrings)
        {
            RequireEmpty(host, name);
        }

        foreach (var name in ZeroHostNumbers)
        {
            if (host.Long(name) is { } value && value != 0)
            {
                throw host.Refuse(name, "must be 0");
            }
        }

        foreach (var name in FalseHostBools)
        {
            if (host.Bool(name) == true)
            {
                throw host.Refuse(name, "must be false");
            }
        }

        foreach (var name in EmptyHostArrays)
        {
            if (host.Array(name, nullable: true) is { Count: > 0 })
            {
                throw host.Refuse(name, "must be empty");
            }
        }

        var capDrop = host.Strings("CapDrop", required: true)!;
        if (capDrop is not ["ALL"])
        {
            throw host.Refuse("CapDrop", "must be exactly [\"ALL\"]");
        }

        var securityOpt = host.Strings("SecurityOpt", required: true)!;
        if (securityOpt is not (["no-new-privileges"] or ["no-new-privileges:true"]))
        {
            throw host.Refuse("SecurityOpt", "must be exactly [\"no-new-privileges\"]");
        }

        if (host.Bool("ReadonlyRootfs", required: true) != true)
        {
            throw host.Refuse("ReadonlyRootfs", "must be true");
        }

        foreach (var name in (string[])["CgroupnsMode", "IpcMode"])
        {
            if (host.String(name) is { } mode && mode is not ("" or "private"))
            {
                throw host.Refuse(name, "must be private");
            }
        }

        if (host.Object("RestartPolicy", RestartPolicyKeys) is { } restart)
        {
            if (restart.String("Name") is { } policyName && policyName is not ("" or "no"))
            {
                throw restart.Refuse("Name", "must be no");
            }

            if (restart.Long("MaximumRetryCount") is { } retries && retries != 0)
            {
                throw restart.Refuse("MaximumRetryCount", "must be 0");
            }
        }
    }

    private static IReadOnlyDictionary<string, string> ValidateLogConfig(StrictObject host)
    {
        var log = host.Object("LogConfig", LogConfigKeys, required: true)!;
        if (log.String("Type", required: true) != "json-file")
        {
            throw log.Refuse("Type", "must be json-file");
        }

        var options = log.Map("Config") ?? new Dictionary<string, string>();
        foreach (var (key, value) in options)
        {
            if (key is not ("max-size" or "max-file") || value.Length is 0 or > 20 || !value.All(char.IsAsciiLetterOrDigit))
            {
                throw log.Refuse("Config", "only max-size and max-file, as plain sizes and counts");
            }
        }

        return options;
    }

    private static string ValidateTmpfs(StrictObject host)
    {
        var tmpfs = host.Map("Tmpfs", required: true)!;
        if (tmpfs.Count != 1 || !tmpfs.TryGetValue("/tmp", out var options))
        {
            throw host.Refuse("Tmpfs", "must be exactly /tmp");
        }

        var flags = options.Split(',');
        var hasSize = false;
        foreach (var flag in flags)
        {
            if (flag.StartsWith("size=", StringComparison.Ordinal) && flag.Length > 5 && flag.AsSpan(5).IndexOfAnyExceptInRange('0', '9') < 0 && !hasSize)
            {
                hasSize = true;
            }
            else if (!TmpfsFlags.Contains(flag))
            {
                throw host.Refuse("Tmpfs", "options must be drawn from rw, noexec, nosuid, nodev and one size=BYTES");
            }
        }

        if (!hasSize || !flags.Contains("nosuid") || !flags.Contains("nodev"))
        {
            throw host.Refuse("Tmpfs", "must be nosuid, nodev and size-capped");
        }

        return options;
    }

    private long ValidateMemory(StrictObject host)
    {
        var memory = Positive(host, "Memory", policy.Options.MaxMemoryBytes);
        if (host.Long("MemorySwap", required: true) != memory)
        {
            throw host.Refuse("MemorySwap", "must equal Memory (no swap)");
        }

        return memory;
    }

    private static long Positive(StrictObject host, string name, long max)
    {
        var value = host.Long(name, required: true)!.Value;
        return value > 0 && value <= max ? value : throw host.Refuse(name, "must be positive and within the configured bound");
    }

    private static List<(string, long, long)> ValidateUlimits(StrictObject host)
    {
        var items = host.Array("Ulimits", required: true)!;
        var result = new List<(string, long, long)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var ulimit = new StrictObject(items[i], host.Field($"Ulimits[{i}]"), UlimitKeys);
            var name = ulimit.String("Name", required: true)!;
            var soft = ulimit.Long("Soft", required: true)!.Value;
            var hard = ulimit.Long("Hard", required: true)!.Value;
            if (!UlimitNames.Contains(name) || !seen.Add(name))
            {
                throw ulimit.Refuse("Name", "must be nofile, core or fsize, each once");
            }

            if (soft < 0 || soft > hard)
            {
                throw ulimit.Refuse("Soft", "must be between 0 and Hard");
            }

            result.Add((name, soft, hard));
        }

        if (seen.Count != UlimitNames.Count)
        {
            throw host.Refuse("Ulimits", "must set nofile, core and fsize");
        }

        return result;
    }

    private string? ValidateRuntime(StrictObject host)
    {
        var runtime = host.String("Runtime", nullable: true);
        return runtime is null || policy.Runtimes.Contains(runtime) ? runtime : throw host.Refuse("Runtime", "not one of the configured runtimes");
    }

    private (string Source, bool ReadOnly) ValidateMount(StrictObject host)
    {
        var mounts = host.Array("Mounts", required: true)!;
        if (mounts.Count != 1)
        {
            throw host.Refuse("Mounts", "must hold exactly one bind mount");
        }

        var mount = new StrictObject(mounts[0], host.Field("Mounts[0]"), MountKeys);
        if (mount.String("Type", required: true) != "bind")
        {
            throw mount.Refuse("Type", "must be bind");
        }

        if (mount.String("Target", required: true) != WorkspacePath)
        {
            throw mount.Refuse("Target", "must be /workspace");
        }

        if (mount.Object("BindOptions", BindOptionsKeys) is { } bind && bind.String("Propagation") is { } propagation && propagation != "rprivate")
        {
            throw bind.Refuse("Propagation", "must be rprivate");
        }

        var source = mount.String("Source", required: true)!;
        if (!SymlinkFreePath.IsPlainAbsolute(source) || !policy.ProjectsRoots.Any(root => SymlinkFreePath.IsStrictlyUnder(source, root)))
        {
            throw mount.Refuse("Source", "must be a plain absolute path strictly under a configured projects root");
        }

        if (SymlinkFreePath.Problem(source) is { } problem)
        {
            throw mount.Refuse("Source", problem);
        }

        return (source, mount.Bool("ReadOnly") ?? false);
    }

    private static void RequireEmpty(StrictObject obj, string name)
    {
        if (obj.String(name) is { Length: > 0 })
        {
            throw obj.Refuse(name, "must be empty");
        }
    }

    private static bool IsNonRootNumericUser(string user)
    {
        var parts = user.Split(':');
        return parts.Length == 2
            && parts.All(p => p.Length is > 0 and <= 10 && p.All(char.IsAsciiDigit)
                && long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id is > 0 and < uint.MaxValue);
    }
}
