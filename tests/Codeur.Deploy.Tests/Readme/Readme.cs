using System.Text.RegularExpressions;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Readme;

/// <summary>The shell blocks and inline commands README.md shows, read from the file as a reader sees it.</summary>
internal static partial class Readme
{
    public static string Text { get; } = File.ReadAllText(Repo.Path("README.md"));

    /// <summary>Every fenced <c>bash</c>/<c>sh</c>/<c>shell</c>/<c>console</c> block, its text exactly.</summary>
    public static IReadOnlyList<string> ShellBlocks { get; } = [.. ShellBlock().Matches(Text).Select(m => m.Groups["body"].Value.TrimEnd('\n'))];

    /// <summary>Inline code spans outside fenced blocks that are commands of this repository (scripts and our binaries).</summary>
    public static IReadOnlyList<string> InlineCommands { get; } =
        [.. InlineCode().Matches(Fence().Replace(Text, "")).Select(m => m.Groups[1].Value).Where(c => Command().IsMatch(c)).Distinct()];

    /// <summary>The command <c>.ci/run</c> runs (its <c>exec</c> line, without the interpreter).</summary>
    public static string CiCommand()
    {
        var exec = Assert.Single(File.ReadAllLines(Repo.Path(".ci", "run")), l => l.StartsWith("exec ", StringComparison.Ordinal));
        var words = exec["exec ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words[0] is "bash" or "sh")
        {
            words.RemoveAt(0);
        }

        return string.Join(' ', words);
    }

    [GeneratedRegex(@"^```(?:bash|sh|shell|console)\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^((deploy|tests|bench)/\S+\.sh|Codeur\.(Runner|Gateway))( .*)?$|^(docker-compose|docker|helm|git|curl|dotnet) \S")]
    private static partial Regex Command();
}
