using System.Text;

namespace Codeur.Runner.Intake.Commands;

/// <summary>
/// Splits a command line into words the way a POSIX shell does for quoting only: <c>'...'</c> is literal,
/// <c>"..."</c> honours <c>\"</c> and <c>\\</c>, a backslash outside quotes takes the next character literally.
/// Nothing is expanded or executed: <c>$(...)</c>, backticks, pipes and redirections are ordinary characters.
/// </summary>
internal static class ShellWords
{
    /// <summary>Returns the words, or null with <paramref name="error"/> set when a quote is not closed.</summary>
    public static List<string>? Split(string text, out string? error)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i++];
            switch (c)
            {
                case '\'':
                {
                    var end = text.IndexOf('\'', i);
                    if (end < 0)
                    {
                        error = "unterminated ' quote: close it or escape it with \\'";
                        return null;
                    }

                    word.Append(text, i, end - i);
                    i = end + 1;
                    inWord = true;
                    break;
                }

                case '"':
                {
                    var closed = false;
                    while (i < text.Length)
                    {
                        var d = text[i++];
                        if (d == '"')
                        {
                            closed = true;
                            break;
                        }

                        if (d == '\\' && i < text.Length && text[i] is '"' or '\\')
                        {
                            d = text[i++];
                        }

                        word.Append(d);
                    }

                    if (!closed)
                    {
                        error = "unterminated \" quote: close it or escape it with \\\"";
                        return null;
                    }

                    inWord = true;
                    break;
                }

                case '\\':
                    if (i < text.Length)
                    {
                        var next = text[i++];
                        if (next != '\n')
                        {
                            // Backslash-newline is a line continuation, as in a shell.
                            word.Append(next);
                            inWord = true;
                        }
                    }
                    else
                    {
                        word.Append('\\');
                        inWord = true;
                    }

                    break;

                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;

                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        error = null;
        return words;
    }
}
