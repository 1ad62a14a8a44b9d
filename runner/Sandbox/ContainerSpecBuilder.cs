using System.Globalization;
using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// Turns the options, one resolved project path and an argv into the exact container to create. Everything that
/// isolates the task is set explicitly rather than left to engine defaults, so <see cref="ContainerSpecVerifier"/>
/// can compare it field by field.
/// </summary>
internal sealed class ContainerSpecBuilder(SandboxOptions options)
{
    public const string TmpPath = "/tmp";
    public const string AgentGitName = "Codeur agent";
    public const string AgentGitEmail = "agent@codeur.invalid";

    public SandboxOptions Options => options;

    /// <summary>The only command whose containers may write to the project: the agent and its worktree steps.</summary>
    public const string WritingCommand = "run";

    public CreateContainerParameters Build(string taskId, string resolvedProjectPath, IReadOnlyList<string> argv, DateTimeOffset deadline, string? command = null) =>
        Build(taskId, resolvedProjectPath, argv, deadline, workingDirectory: null, environment: null, agentRun: false, command: command);

    /// <param name="workingDirectory">Must lie under the workspace (a worktree); null: the workspace itself.</param>
    /// <param name="environment">Extra <c>NAME=value</c> entries (credentials of a run task).</param>
    /// <param name="agentRun">The agent's container: joins the egress network when <c>network: egress</c>.</param>
    /// <param name="networkOverride">A network chosen by the caller (the push container's forge network); null: by the options.</param>
    /// <param name="command">The chat command served: picks the runtime; only <c>run</c> mounts the project writable.</param>
    public CreateContainerParameters Build(
        string taskId,
        string resolvedProjectPath,
        IReadOnlyList<string> argv,
        DateTimeOffset deadline,
        string? workingDirectory,
        IReadOnlyList<string>? environment,
        bool agentRun,
        string? networkOverride = null,
        string? command = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(resolvedProjectPath);
        if (argv.Count == 0 || string.IsNullOrEmpty(argv[0]))
        {
            throw new ArgumentException("argv must name a program", nameof(argv));
        }

        workingDirectory ??= SandboxOptions.WorkspacePath;
        if (workingDirectory != SandboxOptions.WorkspacePath
            && (!workingDirectory.StartsWith(SandboxOptions.WorkspacePath + "/", StringComparison.Ordinal) || workingDirectory.Contains("/..", StringComparison.Ordinal)))
        {
            throw new ArgumentException("the working directory must lie under the workspace", nameof(workingDirectory));
        }

        var network = networkOverride ?? options.NetworkFor(agentRun);
        List<string> env = ["HOME=/tmp", "CODEUR_TASK_ID=" + taskId];
        if (network == options.EgressNetwork && options.NetworkMode == "egress")
        {
            // Both spellings: curl and git read the lower-case ones, most runtimes the upper-case ones.
            var proxy = $"http://{options.EgressProxyName}:{EgressProxy.Port}";
            env.AddRange([
                "HTTP_PROXY=" + proxy, "HTTPS_PROXY=" + proxy, "http_proxy=" + proxy, "https_proxy=" + proxy,
                "NO_PROXY=localhost,127.0.0.1", "no_proxy=localhost,127.0.0.1",
            ]);
        }

        if (agentRun)
        {
            // Agents commit (aider always does); the image has no identity and the project's config may not either.
            env.AddRange([
                "GIT_AUTHOR_NAME=" + AgentGitName, "GIT_AUTHOR_EMAIL=" + AgentGitEmail,
                "GIT_COMMITTER_NAME=" + AgentGitName, "GIT_COMMITTER_EMAIL=" + AgentGitEmail,
            ]);
        }

        env.AddRange(environment ?? []);
        return new CreateContainerParameters
        {
            Image = options.Image,
            User = options.User,
            WorkingDir = workingDirectory,
            // Entrypoint + Cmd together are the argv: no image entrypoint or shell gets in between.
            Entrypoint = [argv[0]],
            Cmd = [.. argv.Skip(1)],
            // The root filesystem is read-only: HOME must be somewhere writable for git and friends.
            Env = env,
            Tty = false,
            OpenStdin = false,
            AttachStdin = false,
            AttachStdout = true,
            AttachStderr = true,
            NetworkDisabled = network == "none",
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SandboxLabels.Runner] = options.InstanceId,
                [SandboxLabels.Task] = taskId,
                [SandboxLabels.Deadline] = deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            },
            HostConfig = new HostConfig
            {
                Mounts =
                [
                    new Mount
                    {
                        Type = "bind",
                        Source = resolvedProjectPath,
                        Target = SandboxOptions.WorkspacePath,
                        // analyze, search and status only read: a hostile repository that gets code to run there still cannot write.
                        ReadOnly = command != WritingCommand,
                        BindOptions = new BindOptions { Propagation = "rprivate" },
                    },
                ],
                Binds = [],
                Tmpfs = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [TmpPath] = TmpfsOptions(options.TmpSizeBytes),
                },
                CapDrop = ["ALL"],
                CapAdd = [],
                Privileged = false,
                SecurityOpt = ["no-new-privileges"],
                ReadonlyRootfs = true,
                Memory = options.MemoryBytes,
                MemorySwap = options.MemoryBytes,
                NanoCPUs = options.NanoCpus,
                PidsLimit = options.PidsLimit,
                Ulimits =
                [
                    new Ulimit { Name = "nofile", Soft = options.Nofile, Hard = options.Nofile },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                    new Ulimit { Name = "fsize", Soft = options.MaxFileSizeBytes, Hard = options.MaxFileSizeBytes },
                ],
                NetworkMode = network,
                IpcMode = "private",
                // cgroup v1 engines default to the host cgroup namespace; the container needs no view of the host's.
                CgroupnsMode = "private",
                Init = true,
                AutoRemove = false,
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
                LogConfig = new LogConfig
                {
                    Type = "json-file",
                    Config = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["max-size"] = options.LogMaxSize,
                        ["max-file"] = "1",
                    },
                },
                Devices = [],
                Runtime = options.RuntimeFor(command),
            },
        };
    }

    public static string TmpfsOptions(long sizeBytes) =>
        "rw,noexec,nosuid,nodev,size=" + sizeBytes.ToString(CultureInfo.InvariantCulture);
}
