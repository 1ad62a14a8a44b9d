using System.Text;

namespace Codeur.Runner.Replies;

/// <summary>Renders <see cref="ReplyContent"/> as Markdown within a platform's length limit, in one or several messages.</summary>
internal static class ReplyText
{
    private const string Fence = "```";

    /// <summary>
    /// Headline and details, then the output's tail in code fences, split over at most <paramref name="maxMessages"/>
    /// messages of at most <paramref name="limit"/> characters each. When the output does not fit, its beginning is
    /// dropped and the last message says where the full log is.
    /// </summary>
    public static IReadOnlyList<string> Render(ReplyContent content, int limit, int maxMessages)
    {
        var head = new StringBuilder(content.Headline);
        foreach (var line in content.Details)
        {
            head.Append('\n').Append(line);
        }

        var header = Cut(head.ToString(), limit);
        if (content.Output is not { Length: > 0 } output)
        {
            return [header];
        }

        output = output.Replace(Fence, "`\u200b``", StringComparison.Ordinal).TrimEnd('\n');
        var pointer = content.LogUrl is null ? "" : $"\nFull log: {content.LogUrl}";
        // Room for output in each message: the first shares with the header ("\n```\n" + "\n```" around the
        // output), the others only with their fences ("```\n" + "\n```"), the last also with the pointer.
        var firstRoom = limit - header.Length - 9;
        firstRoom = firstRoom > 16 ? firstRoom : 0;
        var room = limit - 8;
        var total = firstRoom + ((maxMessages - 1) * room) - pointer.Length;
        var truncated = content.OutputTruncated || output.Length > total;
        if (output.Length > total)
        {
            output = "…" + output[^Math.Max(0, total - 1)..];
        }

        var messages = new List<string>();
        var rest = output.AsSpan();
        var first = new StringBuilder(header);
        if (firstRoom > 0)
        {
            var take = Math.Min(firstRoom, rest.Length);
            first.Append('\n').Append(Fence).Append('\n').Append(rest[..take]).Append('\n').Append(Fence);
            rest = rest[take..];
        }

        messages.Add(first.ToString());
        while (rest.Length > 0)
        {
            var take = Math.Min(room, rest.Length);
            messages.Add(new StringBuilder().Append(Fence).Append('\n').Append(rest[..take]).Append('\n').Append(Fence).ToString());
            rest = rest[take..];
        }

        if (truncated && pointer.Length > 0)
        {
            var last = messages[^1];
            messages[^1] = last.Length + pointer.Length <= limit ? last + pointer : last;
            if (messages[^1] == last)
            {
                messages.Add(pointer.TrimStart('\n'));
            }
        }

        return messages.Count <= maxMessages ? messages : [.. messages.Take(maxMessages - 1), messages[^1]];
    }

    /// <summary>Plain text cut to <paramref name="limit"/> characters.</summary>
    public static string Cut(string text, int limit) => text.Length <= limit ? text : text[..(limit - 1)] + "…";
}
