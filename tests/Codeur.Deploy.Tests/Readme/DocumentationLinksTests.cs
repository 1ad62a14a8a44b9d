using System.Text.RegularExpressions;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Readme;

/// <summary>The README is a front door: every relative link in it and in docs/ reaches a file, and every #anchor a heading.</summary>
public sealed partial class DocumentationLinksTests
{
    public static TheoryData<string> Pages() => [.. Directory.GetFiles(Repo.Path("docs"), "*.md").Select(p => Path.GetRelativePath(Repo.Root, p)).Append("README.md").Order()];

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_RelativeLinks_Resolve(string page)
    {
        var text = File.ReadAllText(Repo.Path(page));
        var broken = new List<string>();
        foreach (var link in Link().Matches(Fence().Replace(text, "")).Select(m => m.Groups[1].Value))
        {
            if (link.Contains("://", StringComparison.Ordinal) || link.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var (path, fragment) = link.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? (link[..hash], link[(hash + 1)..]) : (link, "");
            var target = path.Length == 0 ? Repo.Path(page) : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repo.Path(page))!, path));
            if (!File.Exists(target) && !Directory.Exists(target))
            {
                broken.Add(link + " (no such file)");
            }
            else if (fragment.Length > 0 && target.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(target)).Contains(fragment))
            {
                broken.Add(link + " (no such heading)");
            }
        }

        Assert.True(broken.Count == 0, $"{page}: " + string.Join(", ", broken));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        [.. Heading().Matches(Fence().Replace(markdown, "")).Select(m => Punctuation().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'))];

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex Punctuation();
}
