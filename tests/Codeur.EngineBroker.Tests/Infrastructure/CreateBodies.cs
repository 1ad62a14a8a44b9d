using System.Globalization;

namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>
/// Create bodies. <see cref="Runner"/> is byte for byte what the runner's Docker client sends for a sandbox
/// (captured from <c>DockerContainerRuntime.CreateAsync</c> with <c>ContainerSpecBuilder</c>'s defaults); the
/// escalation corpus mutates it one field at a time.
/// </summary>
internal static class CreateBodies
{
    public static string Runner(BrokerFixture fixture, string task = "t1", string command = "true") =>
        Runner(fixture.Project, fixture.RunnerId, task, command);

    public static string Runner(string project, string runnerId, string task = "t1", string command = "true") =>
        Template
            .Replace("{RUNNER}", runnerId, StringComparison.Ordinal)
            .Replace("{TASK}", task, StringComparison.Ordinal)
            .Replace("{DEADLINE}", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{SOURCE}", project, StringComparison.Ordinal)
            .Replace("{CMD}", command, StringComparison.Ordinal);

    /// <summary>A plain container of someone else's (another runner's label), created directly on the engine.</summary>
    public static string Foreign(BrokerFixture fixture) =>
        $$$"""{"Image":"{{{BrokerFixture.SandboxImage}}}","Entrypoint":["sleep"],"Cmd":["30"],"Labels":{"codeur.runner":"someone-else-{{{fixture.Run}}}","{{{BrokerFixture.TestLabel}}}":"{{{fixture.Run}}}"},"HostConfig":{"NetworkMode":"none","Init":true}}""";

    private const string Template = """
        {"Hostname":"","Domainname":"","User":"10001:10001","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["HOME=/tmp","CODEUR_TASK_ID={TASK}"],"Cmd":["-c","{CMD}"],"Image":"codeur/sandbox:latest","WorkingDir":"/workspace","Entrypoint":["bash"],"NetworkDisabled":true,"Labels":{"codeur.runner":"{RUNNER}","codeur.task":"{TASK}","codeur.deadline":"{DEADLINE}"},"HostConfig":{"Binds":[],"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{"max-size":"1048576","max-file":"1"}},"NetworkMode":"none","RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","CapAdd":[],"CapDrop":["ALL"],"CgroupnsMode":"private","IpcMode":"private","Cgroup":"","OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":["no-new-privileges"],"Tmpfs":{"/tmp":"rw,noexec,nosuid,nodev,size=67108864"},"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":2147483648,"NanoCpus":2000000000,"CgroupParent":"","BlkioWeight":0,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"MemoryReservation":0,"MemorySwap":2147483648,"PidsLimit":512,"Ulimits":[{"Name":"nofile","Hard":1024,"Soft":1024},{"Name":"core","Hard":0,"Soft":0},{"Name":"fsize","Hard":1073741824,"Soft":1073741824}],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"Mounts":[{"Type":"bind","Source":"{SOURCE}","Target":"/workspace","ReadOnly":false,"BindOptions":{"Propagation":"rprivate"}}],"Init":true}}
        """;
}
