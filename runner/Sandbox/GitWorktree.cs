using System.Globalization;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// The git sandbox of a <c>run</c> task, as argv for the image's <c>codeur-tool</c> and parsers for its
/// <c>codeur-git:</c> report lines. The runner never runs git on project files: <c>worktree-add</c> and
/// <c>worktree-finish</c> run in containers of their own, before and after the agent's, so nothing the agent prints
/// can pass for their report.
/// </summary>
internal static class GitWorktree
{
    public const string Prefix = "codeur-git: ";
    public const string BranchPrefix = "codeur/";
    public const int MaxDiffstatChars = 8 * 1024;

    /// <param name="branch">A follow-up's existing <c>codeur/</c> branch to continue; null: a new <c>codeur/&lt;id&gt;</c>.</param>
    public static IReadOnlyList<string> AddArgv(string taskId, string? branch = null) =>
        branch is null ? [SandboxCommands.Tool, "worktree-add", taskId] : [SandboxCommands.Tool, "worktree-add", taskId, branch];

    public static IReadOnlyList<string> FinishArgv(string taskId, string baseCommit, string? branch = null) =>
        branch is null ? [SandboxCommands.Tool, "worktree-finish", taskId, baseCommit] : [SandboxCommands.Tool, "worktree-finish", taskId, baseCommit, branch];

    /// <summary>Reads <c>worktree-add</c>'s report: a worktree to work in, no git repository (work in place), or an error.</summary>
    public static WorktreeStart ParseAdd(string output)
    {
        string? baseCommit = null, branch = null, path = null;
        foreach (var (key, value) in Lines(output))
        {
            switch (key)
            {
                case "none":
                    return new WorktreeStart(WorktreeStartKind.NotGit, null, null, null, value);
                case "error":
                    return new WorktreeStart(WorktreeStartKind.Error, null, null, null, value);
                case "base":
                    baseCommit = value;
                    break;
                case "branch":
                    branch = value;
                    break;
                case "path":
                    path = value;
                    break;
            }
        }

        return baseCommit is not null && branch is not null && path is not null && IsCommit(baseCommit)
            && path.StartsWith(SandboxOptions.WorkspacePath + "/", StringComparison.Ordinal) && !path.Contains("/..", StringComparison.Ordinal)
            ? new WorktreeStart(WorktreeStartKind.Ready, baseCommit, branch, path, null)
            : new WorktreeStart(WorktreeStartKind.Error, null, null, null, "incomplete report from worktree-add");
    }

    /// <summary>Reads <c>worktree-finish</c>'s report; null when it is incomplete.</summary>
    public static TaskGitResult? ParseFinish(string output)
    {
        string? branch = null, baseCommit = null, head = null;
        var commits = new List<TaskGitCommit>();
        var stat = new List<string>();
        int files = 0, insertions = 0, deletions = 0;
        var done = false;
        foreach (var (key, value) in Lines(output))
        {
            switch (key)
            {
                case "branch":
                    branch = value;
                    break;
                case "base":
                    baseCommit = value;
                    break;
                case "head":
                    head = value;
                    break;
                case "commit":
                    var space = value.IndexOf(' ', StringComparison.Ordinal);
                    var sha = space < 0 ? value : value[..space];
                    if (IsCommit(sha))
                    {
                        commits.Add(new TaskGitCommit(sha, space < 0 ? "" : value[(space + 1)..]));
                    }

                    break;
                case "shortstat":
                    var parts = value.Split(' ');
                    if (parts.Length == 3)
                    {
                        files = ParseCount(parts[0]);
                        insertions = ParseCount(parts[1]);
                        deletions = ParseCount(parts[2]);
                    }

                    break;
                case "stat":
                    stat.Add(value);
                    break;
                case "done":
                    done = true;
                    break;
            }
        }

        if (!done || branch is null || baseCommit is null || head is null || !IsCommit(baseCommit) || !IsCommit(head))
        {
            return null;
        }

        var diffstat = string.Join('\n', stat);
        if (diffstat.Length > MaxDiffstatChars)
        {
            diffstat = diffstat[..MaxDiffstatChars];
        }

        return new TaskGitResult(branch, baseCommit, head, commits, files, insertions, deletions, diffstat);
    }

    /// <summary>The reason of a <c>codeur-git: error ...</c> line (a refused repository, a failed step), if any.</summary>
    public static string? ErrorIn(string output)
    {
        foreach (var (key, value) in Lines(output))
        {
            if (key == "error")
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>One line for the task's output, so people following the log see where the work went.</summary>
    public static string Summary(TaskGitResult git) => git.HasChanges
        ? string.Create(CultureInfo.InvariantCulture,
            $"codeur: branch {git.Branch}: {git.Commits.Count} commit(s), {git.FilesChanged} file(s) changed, +{git.Insertions} -{git.Deletions}\n")
        : $"codeur: no changes; branch {git.Branch} removed\n";

    private static IEnumerable<(string Key, string Value)> Lines(string output)
    {
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var body = line[Prefix.Length..];
            var space = body.IndexOf(' ', StringComparison.Ordinal);
            yield return space < 0 ? (body, "") : (body[..space], body[(space + 1)..]);
        }
    }

    private static bool IsCommit(string value) =>
        value.Length is 40 or 64 && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    private static int ParseCount(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
