using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Codeur.Configuration;

/// <summary>
/// Wraps the YAML parser to expand <c>${NAME}</c>, <c>${NAME:-default}</c> and <c>${file:PATH}</c> in scalar
/// values while keeping their marks, and records the line of every key path so that later errors can name it.
/// </summary>
internal sealed partial class ExpandingParser(IParser inner, Func<string, string?> environment, Func<string, bool>? leaveUnexpanded = null) : IParser
{
    private readonly Stack<Frame> _frames = new();
    private ParsingEvent? _current;

    public Dictionary<string, int> KeyLines { get; } = new(StringComparer.Ordinal);

    public List<string> Errors { get; } = [];

    public ParsingEvent? Current => _current;

    public bool MoveNext()
    {
        bool moved;
        while ((moved = MoveNextCore()) && IsEllipsisItem(_current))
        {
            // The spec writes "[{...}, ...]" for "and more entries": a bare ... list item means nothing.
        }

        return moved;
    }

    private bool IsEllipsisItem(ParsingEvent? parsingEvent) =>
        parsingEvent is Scalar { Value: "...", Style: ScalarStyle.Plain } && _frames.TryPeek(out var top) && !top.IsMapping;

    private bool MoveNextCore()
    {
        if (!inner.MoveNext())
        {
            _current = null;
            return false;
        }

        _current = inner.Current;
        switch (_current)
        {
            case MappingStart:
                _frames.Push(new Frame(ChildPath(), isMapping: true));
                break;
            case SequenceStart:
                _frames.Push(new Frame(ChildPath(), isMapping: false));
                break;
            case MappingEnd or SequenceEnd:
                _frames.Pop();
                Advance();
                break;
            case Scalar scalar when _frames.TryPeek(out var top) && top.IsMapping && top.ExpectKey:
                top.Key = scalar.Value;
                top.ExpectKey = false;
                KeyLines.TryAdd(Join(top.Path, scalar.Value), (int)scalar.Start.Line);
                break;
            case Scalar scalar:
                _current = Expand(scalar, ChildPath());
                Advance();
                break;
            case AnchorAlias:
                Advance();
                break;
        }

        return true;
    }

    private Scalar Expand(Scalar scalar, string path)
    {
        // Another service's secret: its variable is not in this service's environment, and the value is dropped.
        if (!scalar.Value.Contains("${", StringComparison.Ordinal) || leaveUnexpanded?.Invoke(path) == true)
        {
            return scalar;
        }

        var value = Placeholder().Replace(scalar.Value, match =>
        {
            var name = match.Groups["name"].Value;
            if (name.StartsWith("file:", StringComparison.Ordinal))
            {
                var file = name["file:".Length..];
                try
                {
                    return File.ReadAllText(file).TrimEnd('\r', '\n');
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Errors.Add($"{path} (line {scalar.Start.Line}): cannot read secret file '{file}': {ex.Message}");
                    return "";
                }
            }

            var found = environment(name);
            if (string.IsNullOrEmpty(found) && match.Groups["default"].Success)
            {
                return match.Groups["default"].Value;
            }

            if (found is null)
            {
                Errors.Add($"{path} (line {scalar.Start.Line}): environment variable {name} is not set");
                return "";
            }

            return found;
        });

        // A value that came from the environment is never reinterpreted as YAML (no tags, no anchors).
        return new Scalar(scalar.Anchor, scalar.Tag, value, scalar.Style, scalar.IsPlainImplicit, scalar.IsQuotedImplicit, scalar.Start, scalar.End);
    }

    private string ChildPath()
    {
        if (!_frames.TryPeek(out var top))
        {
            return "";
        }

        return top.IsMapping ? Join(top.Path, top.Key ?? "") : $"{top.Path}[{top.Index}]";
    }

    private void Advance()
    {
        if (!_frames.TryPeek(out var top))
        {
            return;
        }

        if (top.IsMapping)
        {
            top.ExpectKey = true;
        }
        else
        {
            top.Index++;
        }
    }

    private static string Join(string parent, string key) => parent.Length == 0 ? key : new StringBuilder(parent).Append('.').Append(key).ToString();

    public void SkipThisAndNestedEvents() => throw new NotSupportedException();

    [GeneratedRegex(@"\$\{(?<name>file:[^}]+|[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    private sealed class Frame(string path, bool isMapping)
    {
        public string Path { get; } = path;
        public bool IsMapping { get; } = isMapping;
        public bool ExpectKey { get; set; } = true;
        public string? Key { get; set; }
        public int Index { get; set; }
    }
}
