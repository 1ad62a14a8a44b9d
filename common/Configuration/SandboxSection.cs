namespace Codeur.Configuration;

/// <summary>The container every task runs in. Defaults are the strict ones; loosening is explicit.</summary>
public sealed class SandboxSection
{
    public string Image { get; set; } = "codeur/sandbox:latest";
    public string Memory { get; set; } = "2g";
    public double Cpus { get; set; } = 2;
    public long Pids { get; set; } = 512;
    public string Network { get; set; } = "none";

    /// <summary>Argv templates per command; <c>{task}</c> is replaced by the task text as one argument.</summary>
    public Dictionary<string, List<string>> Commands { get; set; } = [];

    // Extensions (snake_case keys: user, tmp_size, output_limit, ...).

    /// <summary><c>uid:gid</c> the task runs as; uid 0 is refused.</summary>
    public string User { get; set; } = "10001:10001";

    /// <summary>Size cap of the <c>/tmp</c> tmpfs (mounted noexec,nosuid,nodev).</summary>
    public string TmpSize { get; set; } = "64m";

    /// <summary>Bytes of stdout+stderr kept per task; past it the container is killed (<c>output_limit</c>).</summary>
    public string OutputLimit { get; set; } = "4m";

    /// <summary>Largest single file a task may write (the <c>fsize</c> ulimit).</summary>
    public string MaxFileSize { get; set; } = "1g";

    /// <summary>Open file descriptors per process (the <c>nofile</c> ulimit).</summary>
    public long Nofile { get; set; } = 1024;

    /// <summary>Cap of the engine's json-file log per container.</summary>
    public string LogMaxSize { get; set; } = "1m";

    /// <summary>When set, a project must lie under one of these directories.</summary>
    public List<string> ProjectRoots { get; set; } = [];

    /// <summary>OCI runtime (e.g. <c>runsc</c> for gVisor); absent means the engine's default (runc).</summary>
    public string? Runtime { get; set; }

    /// <summary>Seconds between sweeps for leftover containers.</summary>
    public int SweepInterval { get; set; } = 60;
}
