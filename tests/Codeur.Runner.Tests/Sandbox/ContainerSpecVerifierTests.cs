// Docker.DotNet models are nullable-annotated DTOs; these tests build and poke them directly.
#nullable disable warnings

using Codeur.Runner.Sandbox;
using Docker.DotNet.Models;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class ContainerSpecVerifierTests
{
    private static readonly CreateContainerParameters Asked =
        new ContainerSpecBuilder(new SandboxOptions { InstanceId = "r" }).Build("t", "/srv/p", ["codeur-tool", "status"], DateTimeOffset.UnixEpoch);

    [Fact]
    public void Verify_FaithfulInspect_NoProblems()
    {
        var problems = ContainerSpecVerifier.Verify(Asked, Faithful());

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("privileged", "HostConfig.Privileged")]
    [InlineData("capdrop", "HostConfig.CapDrop")]
    [InlineData("capadd", "HostConfig.CapAdd")]
    [InlineData("nnp", "HostConfig.SecurityOpt")]
    [InlineData("unconfined", "HostConfig.SecurityOpt")]
    [InlineData("rootfs", "HostConfig.ReadonlyRootfs")]
    [InlineData("swap", "HostConfig.MemorySwap")]
    [InlineData("memory", "HostConfig.Memory")]
    [InlineData("cpus", "HostConfig.NanoCpus")]
    [InlineData("pids", "HostConfig.PidsLimit")]
    [InlineData("ulimit", "HostConfig.Ulimits[core]")]
    [InlineData("network", "HostConfig.NetworkMode")]
    [InlineData("pidhost", "HostConfig.PidMode")]
    [InlineData("cgroupns", "HostConfig.CgroupnsMode")]
    [InlineData("init", "HostConfig.Init")]
    [InlineData("restart", "HostConfig.RestartPolicy")]
    [InlineData("device", "HostConfig.Devices")]
    [InlineData("binds", "HostConfig.Binds")]
    [InlineData("tmpfs", "HostConfig.Tmpfs[/tmp]")]
    [InlineData("extra-mount", "Mounts: expected only the project")]
    [InlineData("socket-mount", "Mounts: expected only the project")]
    [InlineData("source", "Mounts[0].Source")]
    [InlineData("propagation", "Mounts[0].Propagation")]
    [InlineData("writable", "Mounts[0].RW")]
    [InlineData("writable-config", "HostConfig.Mounts[0].ReadOnly")]
    [InlineData("root-user", "Config.User")]
    [InlineData("cmd", "Config.Cmd")]
    [InlineData("label", "Config.Labels[codeur.task]")]
    [InlineData("log", "HostConfig.LogConfig.Config[max-size]")]
    public void Verify_TamperedInspect_NamesTheField(string tamper, string field)
    {
        var inspect = Faithful();
        var host = inspect.HostConfig;
        switch (tamper)
        {
            case "privileged": host.Privileged = true; break;
            case "capdrop": host.CapDrop = []; break;
            case "capadd": host.CapAdd = ["SYS_ADMIN"]; break;
            case "nnp": host.SecurityOpt = []; break;
            case "unconfined": host.SecurityOpt = ["no-new-privileges", "seccomp=unconfined"]; break;
            case "rootfs": host.ReadonlyRootfs = false; break;
            case "swap": host.MemorySwap = -1; break;
            case "memory": host.Memory = 0; break;
            case "cpus": host.NanoCPUs = 0; break;
            case "pids": host.PidsLimit = null; break;
            case "ulimit": host.Ulimits = [.. host.Ulimits.Where(u => u.Name != "core")]; break;
            case "network": host.NetworkMode = "bridge"; break;
            case "pidhost": host.PidMode = "host"; break;
            case "cgroupns": host.CgroupnsMode = "host"; break;
            case "init": host.Init = false; break;
            case "restart": host.RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.Always }; break;
            case "device": host.Devices = [new DeviceMapping { PathOnHost = "/dev/kvm", PathInContainer = "/dev/kvm" }]; break;
            case "binds": host.Binds = ["/:/host"]; break;
            case "tmpfs": host.Tmpfs["/tmp"] = "rw,size=67108864"; break;
            case "extra-mount": inspect.Mounts.Add(new MountPoint { Type = "volume", Destination = "/data", RW = true }); break;
            case "socket-mount": inspect.Mounts.Add(new MountPoint { Type = "bind", Source = "/var/run/docker.sock", Destination = "/var/run/docker.sock", RW = true }); break;
            case "source": inspect.Mounts[0].Source = "/"; break;
            case "propagation": inspect.Mounts[0].Propagation = "rshared"; break;
            case "writable": inspect.Mounts[0].RW = true; break;
            case "writable-config": host.Mounts[0].ReadOnly = false; break;
            case "root-user": inspect.Config.User = ""; break;
            case "cmd": inspect.Config.Cmd = ["status; rm -rf /"]; break;
            case "label": inspect.Config.Labels.Remove("codeur.task"); break;
            case "log": host.LogConfig.Config.Remove("max-size"); break;
            default: throw new ArgumentOutOfRangeException(nameof(tamper));
        }

        var problems = ContainerSpecVerifier.Verify(Asked, inspect);

        Assert.Contains(problems, p => p.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_ImageLabelsAndEnvMergedIn_StillAccepted()
    {
        var inspect = Faithful();
        inspect.Config.Labels["org.opencontainers.image.title"] = "sandbox";
        inspect.Config.Env.Add("PATH=/usr/local/bin:/usr/bin:/bin");

        Assert.Empty(ContainerSpecVerifier.Verify(Asked, inspect));
    }

    /// <summary>What engine 20.10 reports for <see cref="Asked"/> (shape taken from a real inspect).</summary>
    private static ContainerInspectResponse Faithful()
    {
        var h = Asked.HostConfig;
        var mount = h.Mounts[0];
        return new ContainerInspectResponse
        {
            Config = new ContainerConfig
            {
                User = Asked.User,
                WorkingDir = Asked.WorkingDir,
                Entrypoint = [.. Asked.Entrypoint],
                Cmd = [.. Asked.Cmd],
                Env = [.. Asked.Env],
                Labels = new Dictionary<string, string>(Asked.Labels),
            },
            HostConfig = new HostConfig
            {
                Mounts = [new Mount { Type = mount.Type, Source = mount.Source, Target = mount.Target, ReadOnly = mount.ReadOnly, BindOptions = new BindOptions { Propagation = mount.BindOptions.Propagation } }],
                Tmpfs = new Dictionary<string, string>(h.Tmpfs),
                CapDrop = [.. h.CapDrop],
                SecurityOpt = [.. h.SecurityOpt],
                ReadonlyRootfs = h.ReadonlyRootfs,
                Memory = h.Memory,
                MemorySwap = h.MemorySwap,
                NanoCPUs = h.NanoCPUs,
                PidsLimit = h.PidsLimit,
                Ulimits = [.. h.Ulimits.Select(u => new Ulimit { Name = u.Name, Soft = u.Soft, Hard = u.Hard })],
                NetworkMode = h.NetworkMode,
                IpcMode = h.IpcMode,
                CgroupnsMode = h.CgroupnsMode,
                Init = h.Init,
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
                LogConfig = new LogConfig { Type = h.LogConfig.Type, Config = new Dictionary<string, string>(h.LogConfig.Config) },
            },
            Mounts = [new MountPoint { Type = "bind", Source = mount.Source, Destination = mount.Target, RW = mount.ReadOnly != true, Propagation = "rprivate" }],
        };
    }
}
