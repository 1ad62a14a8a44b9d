// Docker.DotNet models are nullable-annotated DTOs; these tests build and poke them directly.
#nullable disable warnings

using System.Text.Json;
using Codeur.Runner.Sandbox;
using Docker.DotNet.Models;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class ContainerSpecBuilderTests
{
    private static readonly DateTimeOffset Deadline = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    [Fact]
    public void Build_Defaults_ProducesExactlyTheLockedDownSpec()
    {
        var options = new SandboxOptions { InstanceId = "runner-a" };

        var built = new ContainerSpecBuilder(options).Build("task-1", "/srv/projects/api", ["codeur-tool", "search", "needle"], Deadline, "search");

        var expected = new CreateContainerParameters
        {
            Image = "codeur/sandbox:latest",
            User = "10001:10001",
            WorkingDir = "/workspace",
            Entrypoint = ["codeur-tool"],
            Cmd = ["search", "needle"],
            Env = ["HOME=/tmp", "CODEUR_TASK_ID=task-1"],
            Tty = false,
            OpenStdin = false,
            AttachStdin = false,
            AttachStdout = true,
            AttachStderr = true,
            NetworkDisabled = true,
            Labels = new Dictionary<string, string>
            {
                ["codeur.runner"] = "runner-a",
                ["codeur.task"] = "task-1",
                ["codeur.deadline"] = "1900000000",
            },
            HostConfig = new HostConfig
            {
                Mounts = [new Mount { Type = "bind", Source = "/srv/projects/api", Target = "/workspace", ReadOnly = true, BindOptions = new BindOptions { Propagation = "rprivate" } }],
                Binds = [],
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = "rw,noexec,nosuid,nodev,size=67108864" },
                CapDrop = ["ALL"],
                CapAdd = [],
                Privileged = false,
                SecurityOpt = ["no-new-privileges"],
                ReadonlyRootfs = true,
                Memory = 2L << 30,
                MemorySwap = 2L << 30,
                NanoCPUs = 2_000_000_000,
                PidsLimit = 512,
                Ulimits =
                [
                    new Ulimit { Name = "nofile", Soft = 1024, Hard = 1024 },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                    new Ulimit { Name = "fsize", Soft = 1L << 30, Hard = 1L << 30 },
                ],
                NetworkMode = "none",
                IpcMode = "private",
                CgroupnsMode = "private",
                Init = true,
                AutoRemove = false,
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
                LogConfig = new LogConfig { Type = "json-file", Config = new Dictionary<string, string> { ["max-size"] = "1048576", ["max-file"] = "1" } },
                Devices = [],
                Runtime = null,
            },
        };
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(built));
    }

    [Fact]
    public void Build_ConfiguredLimits_AppliedAndMemorySwapEqualsMemory()
    {
        var options = new SandboxOptions { MemoryBytes = 64L << 20, NanoCpus = 500_000_000, PidsLimit = 64, TmpSizeBytes = 8L << 20, Runtime = "runsc", User = "2000:3000" };

        var built = new ContainerSpecBuilder(options).Build("t", "/p", ["true"], Deadline);

        Assert.Equal(64L << 20, built.HostConfig.Memory);
        Assert.Equal(built.HostConfig.Memory, built.HostConfig.MemorySwap);
        Assert.Equal(500_000_000, built.HostConfig.NanoCPUs);
        Assert.Equal(64, built.HostConfig.PidsLimit);
        Assert.Equal("rw,noexec,nosuid,nodev,size=8388608", built.HostConfig.Tmpfs["/tmp"]);
        Assert.Equal("runsc", built.HostConfig.Runtime);
        Assert.Equal("2000:3000", built.User);
        Assert.Empty(built.Cmd);
    }

    [Fact]
    public void Build_Always_NeverMountsTheDockerSocketOrAnythingButTheProject()
    {
        var built = new ContainerSpecBuilder(new SandboxOptions()).Build("t", "/srv/p", ["true"], Deadline);

        var mount = Assert.Single(built.HostConfig.Mounts);
        Assert.Equal("/srv/p", mount.Source);
        Assert.Empty(built.HostConfig.Binds);
        Assert.Empty(built.HostConfig.Devices);
        Assert.DoesNotContain("docker.sock", JsonSerializer.Serialize(built), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", false)]
    [InlineData("analyze", true)]
    [InlineData("search", true)]
    [InlineData("status", true)]
    [InlineData(null, true)]
    public void Build_Command_OnlyRunMountsTheProjectWritable(string? command, bool readOnly)
    {
        var built = new ContainerSpecBuilder(new SandboxOptions()).Build("t", "/srv/p", ["true"], Deadline, command);

        Assert.Equal(readOnly, Assert.Single(built.HostConfig.Mounts).ReadOnly);
    }

    [Theory]
    [InlineData("run", "runsc-hostinet")]
    [InlineData("analyze", "runsc")]
    [InlineData("search", "runc")]
    [InlineData(null, "runsc")]
    public void Build_RuntimesPerCommand_OverrideTheDefaultRuntime(string? command, string expected)
    {
        var options = new SandboxOptions
        {
            Runtime = "runsc",
            Runtimes = new Dictionary<string, string> { ["run"] = "runsc-hostinet", ["search"] = "runc" },
        };

        var built = new ContainerSpecBuilder(options).Build("t", "/srv/p", ["true"], Deadline, command);

        Assert.Equal(expected, built.HostConfig.Runtime);
    }
}
