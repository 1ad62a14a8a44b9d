using System.Globalization;
using System.Text;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Publishing;

/// <summary>The title and body of the pull request a task opens.</summary>
internal static class PullRequestText
{
    public const int MaxTitle = 100;
    public const int MaxTaskText = 4_000;
    public const int MaxCommitsListed = 30;

    /// <summary>The task's first line, as a title.</summary>
    public static string Title(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var text = TaskText(task);
        var line = text.Split('\n', 2)[0].Trim();
        if (line.Length == 0)
        {
            line = "Changes of task " + task.Id;
        }

        return line.Length > MaxTitle ? line[..(MaxTitle - 1)] + "…" : line;
    }

    public static string Body(TaskRecord task, TaskGitResult git, string logUrl)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(git);
        var text = TaskText(task);
        if (text.Length > MaxTaskText)
        {
            text = text[..MaxTaskText] + "…";
        }

        var body = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            body.Append("> ").Append(line).Append('\n');
        }

        body.Append('\n')
            .Append(CultureInfo.InvariantCulture, $"Codeur task `{task.Id}`, requested by `{task.Requester}` on {task.Platform}, on `{git.Branch}` from `{Short(git.BaseCommit)}`.\n\n")
            .Append("**Commits**\n\n");
        foreach (var commit in git.Commits.Take(MaxCommitsListed))
        {
            body.Append(CultureInfo.InvariantCulture, $"- `{Short(commit.Sha)}` {commit.Subject}\n");
        }

        if (git.Commits.Count > MaxCommitsListed)
        {
            body.Append(CultureInfo.InvariantCulture, $"- and {git.Commits.Count - MaxCommitsListed} more\n");
        }

        body.Append(CultureInfo.InvariantCulture, $"\n**Diffstat** ({git.FilesChanged} file(s), +{git.Insertions} -{git.Deletions})\n\n```\n")
            .Append(git.Diffstat.Replace("```", "'''", StringComparison.Ordinal)).Append("\n```\n\n")
            .Append("Full log: ").Append(logUrl).Append('\n');
        return body.ToString();
    }

    private static string TaskText(TaskRecord task) => string.Join(' ', task.Args).Replace("\r", "", StringComparison.Ordinal);

    private static string Short(string sha) => sha[..Math.Min(7, sha.Length)];
}
