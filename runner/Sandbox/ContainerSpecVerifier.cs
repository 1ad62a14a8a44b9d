using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// Compares what the engine actually created with what was asked, before anything runs. An engine that silently
/// ignored an option (an old API, a plugin, a daemon default such as an extra mount) must not get to start the
/// container. Each difference is named with its <c>docker inspect</c> field.
/// </summary>
internal static class ContainerSpecVerifier
{
    public static IReadOnlyList<string> Verify(CreateContainerParameters asked, ContainerInspectResponse actual)
    {
        var problems = new List<string>();
        var config = actual.Config;
        var host = actual.HostConfig;
        if (config is null || host is null)
        {
            problems.Add("inspect returned no Config/HostConfig");
            return problems;
        }

        var want = asked.HostConfig ?? throw new ArgumentException("asked has no HostConfig", nameof(asked));
        Check(problems, "Config.User", asked.User, config.User);
        if (IsRootUser(config.User))
        {
            problems.Add($"Config.User: runs as root ('{config.User}')");
        }

        Check(problems, "Config.WorkingDir", asked.WorkingDir, config.WorkingDir);
        CheckSequence(problems, "Config.Entrypoint", asked.Entrypoint, config.Entrypoint);
        CheckSequence(problems, "Config.Cmd", asked.Cmd, config.Cmd);
        Check(problems, "Config.Tty", false, config.Tty);
        Check(problems, "Config.OpenStdin", false, config.OpenStdin);
        foreach (var (key, value) in asked.Labels ?? new Dictionary<string, string>())
        {
            if (config.Labels is null || !config.Labels.TryGetValue(key, out var got) || got != value)
            {
                problems.Add($"Config.Labels[{key}]: expected '{value}'");
            }
        }

        foreach (var variable in asked.Env ?? [])
        {
            if (config.Env is null || !config.Env.Contains(variable))
            {
                problems.Add($"Config.Env: missing '{variable.Split('=')[0]}'");
            }
        }

        Check(problems, "HostConfig.Privileged", false, host.Privileged);
        CheckSequence(problems, "HostConfig.CapDrop", want.CapDrop, host.CapDrop);
        if (host.CapAdd is { Count: > 0 })
        {
            problems.Add($"HostConfig.CapAdd: expected none, got [{string.Join(", ", host.CapAdd)}]");
        }

        foreach (var option in want.SecurityOpt ?? [])
        {
            if (host.SecurityOpt is null || !host.SecurityOpt.Any(o => o == option || o == option + ":true" || o == option + "=true"))
            {
                problems.Add($"HostConfig.SecurityOpt: missing '{option}'");
            }
        }

        if (host.SecurityOpt?.Any(o => o.Contains("unconfined", StringComparison.OrdinalIgnoreCase)) == true)
        {
            problems.Add("HostConfig.SecurityOpt: an 'unconfined' profile is set");
        }

        Check(problems, "HostConfig.ReadonlyRootfs", want.ReadonlyRootfs, host.ReadonlyRootfs);
        Check(problems, "HostConfig.Memory", want.Memory, host.Memory);
        Check(problems, "HostConfig.MemorySwap", want.MemorySwap, host.MemorySwap);
        Check(problems, "HostConfig.NanoCpus", want.NanoCPUs, host.NanoCPUs);
        Check(problems, "HostConfig.PidsLimit", want.PidsLimit, host.PidsLimit);
        CheckUlimits(problems, want.Ulimits ?? [], host.Ulimits);
        Check(problems, "HostConfig.NetworkMode", want.NetworkMode, host.NetworkMode);
        Check(problems, "HostConfig.IpcMode", want.IpcMode, host.IpcMode);
        CheckNotHost(problems, "HostConfig.PidMode", host.PidMode);
        CheckNotHost(problems, "HostConfig.UTSMode", host.UTSMode);
        CheckNotHost(problems, "HostConfig.UsernsMode", host.UsernsMode);
        Check(problems, "HostConfig.CgroupnsMode", want.CgroupnsMode, host.CgroupnsMode);
        Check(problems, "HostConfig.Init", want.Init, host.Init);
        Check(problems, "HostConfig.AutoRemove", want.AutoRemove, host.AutoRemove);
        var restart = host.RestartPolicy?.Name ?? RestartPolicyKind.Undefined;
        if (restart is not (RestartPolicyKind.No or RestartPolicyKind.Undefined))
        {
            problems.Add($"HostConfig.RestartPolicy.Name: expected 'no', got '{restart}'");
        }

        Check(problems, "HostConfig.LogConfig.Type", want.LogConfig?.Type, host.LogConfig?.Type);
        foreach (var (key, value) in want.LogConfig?.Config ?? new Dictionary<string, string>())
        {
            if (host.LogConfig?.Config is null || !host.LogConfig.Config.TryGetValue(key, out var got) || got != value)
            {
                problems.Add($"HostConfig.LogConfig.Config[{key}]: expected '{value}'");
            }
        }

        if (host.Devices is { Count: > 0 } || host.DeviceRequests is { Count: > 0 } || host.DeviceCgroupRules is { Count: > 0 })
        {
            problems.Add("HostConfig.Devices: expected no devices");
        }

        if (host.Binds is { Count: > 0 } || host.VolumesFrom is { Count: > 0 })
        {
            problems.Add("HostConfig.Binds/VolumesFrom: expected none");
        }

        if (!string.IsNullOrEmpty(want.Runtime))
        {
            Check(problems, "HostConfig.Runtime", want.Runtime, host.Runtime);
        }

        CheckTmpfs(problems, want.Tmpfs ?? new Dictionary<string, string>(), host.Tmpfs);
        CheckMounts(problems, want.Mounts ?? [], host.Mounts, actual.Mounts);
        return problems;
    }

    private static bool IsRootUser(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return true;
        }

        var name = user.Split(':')[0];
        return name is "0" or "root" or "";
    }

    private static void CheckMounts(List<string> problems, IList<Mount> want, IList<Mount>? hostMounts, IList<MountPoint>? mountPoints)
    {
        var asked = want.Single();
        if (hostMounts is not { Count: 1 })
        {
            problems.Add($"HostConfig.Mounts: expected exactly 1, got {hostMounts?.Count ?? 0}");
        }
        else
        {
            var m = hostMounts[0];
            Check(problems, "HostConfig.Mounts[0].Type", asked.Type, m.Type);
            Check(problems, "HostConfig.Mounts[0].Source", asked.Source, m.Source);
            Check(problems, "HostConfig.Mounts[0].Target", asked.Target, m.Target);
            // The engine omits ReadOnly when false.
            Check(problems, "HostConfig.Mounts[0].ReadOnly", asked.ReadOnly == true, m.ReadOnly == true);
            Check(problems, "HostConfig.Mounts[0].BindOptions.Propagation", asked.BindOptions?.Propagation, m.BindOptions?.Propagation);
        }

        // The mount table the container will really get: image VOLUMEs or daemon defaults would show up here.
        if (mountPoints is not { Count: 1 })
        {
            problems.Add($"Mounts: expected only the project, got {mountPoints?.Count ?? 0} mounts ({string.Join(", ", mountPoints?.Select(p => p.Destination) ?? [])})");
            return;
        }

        var point = mountPoints[0];
        Check(problems, "Mounts[0].Type", "bind", point.Type);
        Check(problems, "Mounts[0].Source", asked.Source, point.Source);
        Check(problems, "Mounts[0].Destination", asked.Target, point.Destination);
        Check(problems, "Mounts[0].RW", asked.ReadOnly != true, point.RW);
        Check(problems, "Mounts[0].Propagation", asked.BindOptions?.Propagation, point.Propagation);
    }

    private static void CheckTmpfs(List<string> problems, IDictionary<string, string> want, IDictionary<string, string>? got)
    {
        if (got is null || got.Count != want.Count)
        {
            problems.Add($"HostConfig.Tmpfs: expected {want.Count} entries, got {got?.Count ?? 0}");
            return;
        }

        foreach (var (path, options) in want)
        {
            if (!got.TryGetValue(path, out var actual) || actual != options)
            {
                problems.Add($"HostConfig.Tmpfs[{path}]: expected '{options}', got '{actual}'");
            }
        }
    }

    private static void CheckUlimits(List<string> problems, IList<Ulimit> want, IList<Ulimit>? got)
    {
        foreach (var limit in want)
        {
            var actual = got?.FirstOrDefault(u => u.Name == limit.Name);
            if (actual is null || actual.Soft != limit.Soft || actual.Hard != limit.Hard)
            {
                problems.Add($"HostConfig.Ulimits[{limit.Name}]: expected {limit.Soft}:{limit.Hard}, got {(actual is null ? "none" : $"{actual.Soft}:{actual.Hard}")}");
            }
        }
    }

    private static void CheckNotHost(List<string> problems, string field, string? value)
    {
        if (value is not null && (value == "host" || value.StartsWith("container:", StringComparison.Ordinal)))
        {
            problems.Add($"{field}: shares a namespace ('{value}')");
        }
    }

    private static void CheckSequence(List<string> problems, string field, IList<string>? want, IList<string>? got)
    {
        var expected = want ?? [];
        var actual = got ?? [];
        if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            problems.Add($"{field}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
    }

    private static void Check<T>(List<string> problems, string field, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            problems.Add($"{field}: expected '{expected}', got '{actual}'");
        }
    }
}
