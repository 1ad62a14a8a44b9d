using System.Buffers;
using System.Globalization;
using System.Text;

namespace Codeur.Runner.Intake.Commands;

/// <summary>
/// Removes what a reader of the comment or message cannot see but an agent would: HTML comments (GitHub hides
/// them when rendering), control and format characters (zero-width spaces and joiners, bidi overrides and
/// isolates, the BOM, Unicode tag characters). Newlines and tabs stay; CR LF becomes LF.
/// </summary>
internal static class TextSanitizer
{
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '<' && string.CompareOrdinal(text, i, "<!--", 0, 4) == 0)
            {
                // An unterminated comment hides the rest of the text on GitHub, so it goes too.
                var end = text.IndexOf("-->", i + 4, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 3;
                continue;
            }

            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != OperationStatus.Done)
            {
                i++; // A lone surrogate is garbage, not text.
                continue;
            }

            i += consumed;
            if (rune.Value == '\r')
            {
                if (i < text.Length && text[i] == '\n')
                {
                    continue;
                }

                rune = new Rune('\n');
            }
            else if (rune.Value is 0x2028 or 0x2029)
            {
                rune = new Rune('\n'); // Line and paragraph separators still separate words.
            }

            if (IsVisible(rune))
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    private static bool IsVisible(Rune rune)
    {
        if (rune.Value is '\n' or '\t')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            // Cf covers zero-width space/joiners, bidi embeddings, overrides and isolates, the BOM and tag characters.
            UnicodeCategory.Control or UnicodeCategory.Format => false,
            _ => !IsExtraInvisible(rune.Value),
        };
    }

    // Invisible characters Unicode does not classify as Cf: the whole tag block (E0000 and E0002-E001F are
    // unassigned), Hangul fillers, the braille blank, variation selectors.
    private static bool IsExtraInvisible(int value) =>
        value is (>= 0xE0000 and <= 0xE007F) or 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF) or 0x180E;
}
