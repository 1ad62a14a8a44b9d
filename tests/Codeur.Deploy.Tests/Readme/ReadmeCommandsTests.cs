using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Readme;

/// <summary>
/// Every command README.md shows runs as written on a fresh copy of the repository: the quickstart is started
/// exactly as the README says, the first webhook's block is run verbatim from a second shell, Ctrl-C stops both
/// services. A README command this class does not run (or account for) fails <see cref="Readme_EveryCommand_IsRunOrAccountedFor"/>.
/// </summary>
public sealed partial class ReadmeCommandsTests
{
    private const string QuickstartBlock = "deploy/quickstart.sh";
    private const string TestBlock = "tests/run.sh";
    private const string WebhookBlockStart = "source data/quickstart/secrets.env\n";

    /// <summary>Inline commands the README mentions and where they are run.</summary>
    private static readonly Dictionary<string, string> InlineAccounted = new()
    {
        [QuickstartBlock] = "run by Readme_Quickstart_FirstWebhook_RunsAsWritten",
        [TestBlock] = ".ci/run (Readme_TestCommand_IsWhatCiRuns)",
        ["deploy/agents/build-offline.sh claude-code"] = "tests/run.sh builds the agent images (Readme_AgentImageCommands_AreRunByTheTestCommand)",
        ["deploy/agents/build-offline.sh codex"] = "tests/run.sh builds the agent images (Readme_AgentImageCommands_AreRunByTheTestCommand)",
        ["deploy/agents/build-offline.sh gemini"] = "tests/run.sh builds the agent images (Readme_AgentImageCommands_AreRunByTheTestCommand)",
        ["Codeur.Runner discord register"] = "Codeur.IntegrationTests.Platforms.DiscordRegistrationTests",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Readme_EveryCommand_IsRunOrAccountedFor()
    {
        Assert.Equal(3, Readme.ShellBlocks.Count);
        foreach (var block in Readme.ShellBlocks)
        {
            Assert.True(
                block is QuickstartBlock or TestBlock || block.StartsWith(WebhookBlockStart, StringComparison.Ordinal),
                "README.md shows a shell block that ReadmeCommandsTests does not run:\n" + block);
        }

        foreach (var command in Readme.InlineCommands)
        {
            Assert.True(InlineAccounted.ContainsKey(command), $"README.md shows the command `{command}`, which no test runs: run it here or in a named test, and list it");
        }
    }

    [Fact]
    public void Readme_TestCommand_IsWhatCiRuns()
    {
        Assert.Contains(TestBlock, Readme.ShellBlocks);
        Assert.Equal(TestBlock, Readme.CiCommand());
    }

    [Fact]
    public void Readme_AgentImageCommands_AreRunByTheTestCommand()
    {
        // Every agent image the README tells the reader to build is one tests/run.sh builds (and the proving tests use).
        var run = File.ReadAllText(Repo.Path("tests", "run.sh"));
        var loop = System.Text.RegularExpressions.Regex.Match(run, @"for agent in ([a-z0-9 -]+); do");
        Assert.True(loop.Success, "tests/run.sh has no `for agent in ...; do` loop over the agent images");
        Assert.Contains("deploy/agents/build-offline.sh \"$agent\"", run, StringComparison.Ordinal);
        var built = loop.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var shown = InlineAccounted.Keys.Where(k => k.StartsWith("deploy/agents/build-offline.sh ", StringComparison.Ordinal))
            .Select(k => k["deploy/agents/build-offline.sh ".Length..]).ToList();
        Assert.NotEmpty(shown);
        Assert.All(shown, agent => Assert.Contains(agent, built));
    }

    [Fact]
    public async Task Readme_Quickstart_FirstWebhook_RunsAsWritten()
    {
        await Docker.RequireEngineAsync();
        if (GetUid() != 0)
        {
            Requirement.Unmet("the README test runs the quickstart in a network namespace of its own (its ports are fixed): needs root");
        }

        foreach (var tool in (string[])["unshare", "nsenter", "setsid", "ip", "openssl", "curl", "git"])
        {
            if (Tool.Find(tool) is null)
            {
                Requirement.Unmet($"{tool} not found");
            }
        }

        var webhook = Assert.Single(Readme.ShellBlocks, b => b.StartsWith(WebhookBlockStart, StringComparison.Ordinal));
        var work = Directory.CreateTempSubdirectory("codeur-readme-");
        var copy = Path.Combine(work.FullName, "repo");
        Process? quickstart = null;
        var log = new StringBuilder();
        try
        {
            await CopyRepositoryAsync(copy);

            // The quickstart as a user starts it, in a session of its own (so Ctrl-C can be sent to its process group as a
            // terminal would) and a network namespace of its own (so its fixed ports 8080/8081 cannot meet anything else).
            // SIGINT back to its default first: a test host started in the background by a non-interactive shell inherits
            // it ignored, and a shell cannot trap a signal ignored at entry, so "Ctrl-C" would never reach the script's
            // trap. A terminal's Ctrl-C always finds it at its default; so does the script here.
            quickstart = Start(copy, ["env", "--default-signal=INT", "setsid", "unshare", "--net", "--", "bash", "-c", "ip link set lo up && exec bash -c \"$0\"", QuickstartBlock], log);
            await WaitForAsync(() => Snapshot(log).Contains("Ctrl-C stops both.", StringComparison.Ordinal), quickstart, log, TimeSpan.FromMinutes(25));

            // A second terminal: the README's block, verbatim, in the quickstart's network namespace.
            var result = await Tool.RunAsync(
                "nsenter", [$"--net=/proc/{quickstart.Id}/ns/net", "--", "bash", "-eo", "pipefail", "-c", webhook], TimeSpan.FromMinutes(5),
                workingDirectory: copy, cancellationToken: Ct);
            Assert.True(result.ExitCode == 0, $"the README's first-webhook block failed (exit {result.ExitCode}):\n{result.Error}\n{result.Output}\n{Snapshot(log)}");
            var output = result.Output;
            Assert.Contains("data: Add auth to API", output, StringComparison.Ordinal);
            Assert.Contains("event: end\ndata: {\"state\":\"succeeded\"", output, StringComparison.Ordinal);
            var task = TaskId().Match(output).Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(task), output);
            Assert.Contains($"\"branch\":\"codeur/{task}\"", output, StringComparison.Ordinal);
            Assert.Contains("AGENT_TASKS.md", output, StringComparison.Ordinal);
            Assert.Contains("\"has_changes\":true", output, StringComparison.Ordinal);

            // The work is on the task's branch (read by this test, which trusts the stand-in agent it started) ...
            var demo = Path.Combine(copy, "data", "quickstart", "projects", "demo");
            var shown = await Tool.RunAsync("git", ["-c", "safe.directory=*", "-C", demo, "show", $"codeur/{task}:AGENT_TASKS.md"], TimeSpan.FromSeconds(30), cancellationToken: Ct);
            Assert.Equal(0, shown.ExitCode);
            Assert.Contains("Add auth to API", shown.Output, StringComparison.Ordinal);

            // ... and the command the old README showed is refused by git, as the README now explains: the project
            // belongs to the sandbox user, whose agent could have written its .git/config.
            var old = await Tool.RunAsync("git", ["-C", "data/quickstart/projects/demo", "show", $"codeur/{task}:AGENT_TASKS.md"], TimeSpan.FromSeconds(30), workingDirectory: copy, cancellationToken: Ct);
            Assert.NotEqual(0, old.ExitCode);
            Assert.Contains("dubious ownership", old.Error, StringComparison.Ordinal);

            // Ctrl-C: SIGINT to the foreground process group; both services stop and the script exits.
            var pids = new[] { "runner", "gateway" }.Select(n => int.Parse(File.ReadAllText(Path.Combine(copy, "data", "quickstart", n + ".pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(0, (await Tool.RunAsync("kill", ["-INT", "--", $"-{quickstart.Id}"], TimeSpan.FromSeconds(10), cancellationToken: Ct)).ExitCode);
            // The runner may wait up to runner.shutdown_grace (30 s) and sweeps its containers through a busy engine while
            // the other suites run: two minutes, and on a miss the test says who is still up and what its log last said.
            await WaitForAsync(() => quickstart.HasExited && pids.All(p => !Alive(p)), null, log, TimeSpan.FromMinutes(2), () =>
                $"script alive: {!quickstart.HasExited}; runner alive: {Alive(pids[0])}; gateway alive: {Alive(pids[1])}\n"
                + string.Join("\n", new[] { "runner", "gateway" }.Select(n => $"--- {n}.log (last lines)\n" + string.Join("\n",
                    File.ReadLines(Path.Combine(copy, "data", "quickstart", n + ".log")).TakeLast(15)))));
        }
        finally
        {
            if (quickstart is { HasExited: false })
            {
                await Tool.RunAsync("kill", ["-KILL", "--", $"-{quickstart.Id}"], TimeSpan.FromSeconds(10), cancellationToken: CancellationToken.None);
            }

            quickstart?.Dispose();
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a dying process: the temporary directory is left for the OS to clear.
            }
        }
    }

    /// <summary>What a fresh clone has: the tracked files and new ones not ignored (so uncommitted edits are tested too).</summary>
    private static async Task CopyRepositoryAsync(string target)
    {
        var files = await Tool.RunAsync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], TimeSpan.FromMinutes(1), cancellationToken: Ct);
        files.EnsureSuccess("git ls-files");
        foreach (var file in files.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Repo.Path(file);
            if (!File.Exists(source))
            {
                continue; // deleted in the working tree
            }

            var destination = Path.Combine(target, file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination);
            File.SetUnixFileMode(destination, File.GetUnixFileMode(source));
        }
    }

    private static Process Start(string directory, string[] argv, StringBuilder log)
    {
        var start = new ProcessStartInfo(argv[0]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, Process? mustLive, StringBuilder log, TimeSpan timeout, Func<string>? explain = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(timeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (!condition())
        {
            if (mustLive is { HasExited: true })
            {
                Assert.Fail($"deploy/quickstart.sh exited ({mustLive.ExitCode}) before it was up:\n{Snapshot(log)}");
            }

            try
            {
                await timer.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail($"not done within {timeout}:\n{Snapshot(log)}{(explain is null ? "" : "\n" + explain())}");
            }
        }
    }

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static uint GetUid() => uint.TryParse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], out var uid) ? uid : uint.MaxValue;

    [GeneratedRegex("\"task_id\":\"([^\"]+)\"")]
    private static partial Regex TaskId();
}
