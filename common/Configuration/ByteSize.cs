using System.Globalization;

namespace Codeur.Configuration;

/// <summary>Parses Docker-style sizes: <c>512</c>, <c>64k</c>, <c>1m</c>, <c>2g</c> (binary units, optional trailing <c>b</c>).</summary>
public static class ByteSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.Trim().ToLowerInvariant().AsSpan();
        if (span.EndsWith("ib"))
        {
            span = span[..^2];
        }
        else if (span.Length > 1 && span[^1] == 'b' && !char.IsDigit(span[^2]))
        {
            span = span[..^1];
        }
        else if (span.EndsWith("b"))
        {
            span = span[..^1];
        }

        long multiplier = 1;
        if (span.Length > 0 && char.IsLetter(span[^1]))
        {
            multiplier = span[^1] switch
            {
                'k' => 1L << 10,
                'm' => 1L << 20,
                'g' => 1L << 30,
                't' => 1L << 40,
                _ => 0,
            };
            span = span[..^1];
        }

        if (multiplier == 0 || !decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        var result = number * multiplier;
        if (result > long.MaxValue)
        {
            return false;
        }

        bytes = (long)result;
        return true;
    }

    public static long Parse(string text) =>
        TryParse(text, out var bytes) ? bytes : throw new FormatException($"'{text}' is not a size such as 512k, 1m or 2g");
}
