using System.Globalization;

namespace Codeur.Configuration;

/// <summary>
/// Parses durations as operators write them: <c>90s</c>, <c>15m</c>, <c>12h</c>, <c>30d</c>, or a bare number of
/// seconds. <c>0</c>, <c>off</c> and <c>never</c> mean "no limit" (<see cref="TimeSpan.Zero"/>).
/// </summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var span = (text ?? "").Trim().ToLowerInvariant();
        if (span is "0" or "off" or "never")
        {
            return true;
        }

        if (span.Length == 0)
        {
            return false;
        }

        var unit = char.IsLetter(span[^1]) ? span[^1] : 's';
        var number = char.IsLetter(span[^1]) ? span[..^1] : span;
        var seconds = unit switch
        {
            's' => 1d,
            'm' => 60d,
            'h' => 3600d,
            'd' => 86_400d,
            _ => 0d,
        };
        if (seconds == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value < 0 || value * seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * seconds);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not a duration such as 90s, 15m, 12h or 30d");
}
