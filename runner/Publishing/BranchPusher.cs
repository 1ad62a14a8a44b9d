using System.Globalization;
using Codeur.Runner.Observability;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;

namespace Codeur.Runner.Publishing;

/// <summary>
/// Pushes one commit of a task's branch to the project's remote, from a container of its own: the sandbox image, the
/// project mounted, the forge credential in that container's environment only (read by a credential helper, never in
/// argv), and a network that reaches the forge alone.
/// </summary>
/// <remarks>
/// Git in that container never reads the project's configuration: it pushes from an empty repository in <c>/tmp</c>
/// that borrows the project's objects (<c>GIT_ALTERNATE_OBJECT_DIRECTORIES</c>), with system and global config off and
/// every setting that could run a program or redirect the credential fixed in the command scope. So whatever the agent
/// wrote into <c>.git</c> (a <c>credential.helper</c>, <c>url.*.insteadOf</c>, hooks, <c>http.proxy</c>) cannot see the
/// token or steer the push; what is pushed is the commit the runner's own <c>worktree-finish</c> reported.
/// </remarks>
internal sealed class BranchPusher(ISandboxExecutor sandbox, ForgeProxy forgeProxy)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Fixed script; the remote, commit and ref arrive as positional arguments, never spliced into it.</summary>
    public const string Script = """
        set -eu
        git init -q --bare /tmp/codeur-push
        export GIT_DIR=/tmp/codeur-push GIT_ALTERNATE_OBJECT_DIRECTORIES=/workspace/.git/objects
        exec git push --porcelain --no-verify "$1" "$2:$3"
        """;

    public const string TokenVariable = "CODEUR_FORGE_TOKEN";

    /// <summary>Answers git's <c>get</c> with the token from the container's environment; ignores <c>store</c>/<c>erase</c>.</summary>
    public const string CredentialHelper = "!f() { test \"$1\" = get || exit 0; echo username=x-access-token; echo \"password=$" + TokenVariable + "\"; }; f";

    public async Task<PushResult> PushAsync(string taskId, string projectPath, ProjectPublishing project, string branch, string commit, CancellationToken cancellationToken)
    {
        var network = project.Network;
        var environment = Environment(project);
        if (network is null)
        {
            try
            {
                await forgeProxy.EnsureAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or SandboxImageMissingException)
            {
                return new PushResult(false, "the forge proxy is not available: " + ex.Message, "");
            }

            network = ForgeProxy.NetworkName;
            environment.AddRange(["https_proxy=" + forgeProxy.ProxyUrl, "HTTPS_PROXY=" + forgeProxy.ProxyUrl, "http_proxy=" + forgeProxy.ProxyUrl, "HTTP_PROXY=" + forgeProxy.ProxyUrl]);
        }

        string[] argv = ["bash", "-c", Script, "codeur-push", project.Remote.AbsoluteUri, commit, "refs/heads/" + branch];
        using var span = RunnerTracing.StartContainer(taskId, "push");
        var result = await sandbox.RunAsync(
            new SandboxRequest(taskId, projectPath, argv, Timeout, Environment: environment, Network: network), cancellationToken);
        span?.SetTag("codeur.sandbox.ending", result.Ending.ToString());
        var output = SecretRedactor.Redact(result.Output, [project.Token]);
        return result.Ending == SandboxEnding.Succeeded
            ? new PushResult(true, null, output)
            : new PushResult(false, Reason(result, output), output);
    }

    private static List<string> Environment(ProjectPublishing project)
    {
        List<string> env =
        [
            "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=",
            TokenVariable + "=" + project.Token,
        ];
        (string Key, string Value)[] settings =
        [
            ("core.hooksPath", "/dev/null"),
            ("core.askPass", ""),
            ("core.sshCommand", "false"),
            ("core.fsmonitor", "false"),
            // The empty value clears any helper list before ours.
            ("credential.helper", ""),
            ("credential.helper", CredentialHelper),
            ("credential.interactive", "false"),
            ("http.followRedirects", "false"),
            ("protocol.allow", "never"),
            ("protocol." + project.Remote.Scheme + ".allow", "always"),
            ("push.gpgSign", "false"),
            ("push.recurseSubmodules", "no"),
            ("gc.auto", "0"),
            ("safe.directory", "*"),
        ];
        for (var i = 0; i < settings.Length; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            env.Add($"GIT_CONFIG_KEY_{n}={settings[i].Key}");
            env.Add($"GIT_CONFIG_VALUE_{n}={settings[i].Value}");
        }

        env.Add("GIT_CONFIG_COUNT=" + settings.Length.ToString(CultureInfo.InvariantCulture));
        return env;
    }

    /// <summary>What the remote said, from git's porcelain (<c>!</c> lines) and the remote's own messages.</summary>
    private static string Reason(SandboxResult result, string output)
    {
        if (result.Ending == SandboxEnding.Rejected)
        {
            return result.Error ?? "the push container was refused";
        }

        var lines = output.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith("!\t", StringComparison.Ordinal) || l.StartsWith("remote: ", StringComparison.Ordinal)
                || l.StartsWith("fatal: ", StringComparison.Ordinal) || l.StartsWith("error: ", StringComparison.Ordinal))
            .Select(l => l.StartsWith("!\t", StringComparison.Ordinal) ? l.Split('\t')[^1] : l)
            .Distinct(StringComparer.Ordinal)
            .Take(8);
        var reason = string.Join("; ", lines);
        if (reason.Length == 0)
        {
            reason = result.Error ?? "git push failed";
        }

        return reason.Length > 600 ? reason[..600] + "…" : reason;
    }
}
