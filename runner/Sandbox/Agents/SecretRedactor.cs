using System.Text;

namespace Codeur.Runner.Sandbox.Agents;

/// <summary>
/// Masks known secret values in text that arrives in chunks. A secret split across two chunks is still caught: the
/// last <c>longest - 1</c> characters are held back until the next chunk (or <see cref="Flush"/>) shows how they end.
/// Not thread-safe: one instance per output stream.
/// </summary>
internal sealed class SecretRedactor(IReadOnlyList<string> secrets)
{
    public const string Mask = "[redacted]";

    private readonly string[] _secrets = [.. secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length)];
    private readonly StringBuilder _pending = new();

    public bool IsEmpty => _secrets.Length == 0;

    /// <summary>Masks every secret in a complete text.</summary>
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Takes the next chunk and returns what can safely be shown now.</summary>
    public string Push(string chunk)
    {
        if (_secrets.Length == 0)
        {
            return chunk;
        }

        _pending.Append(chunk);
        var text = Redact(_pending.ToString(), _secrets);
        var hold = Math.Min(text.Length, _secrets[0].Length - 1);

        // Never hold back part of a mask: it is already final.
        var cut = text.Length - hold;
        var mask = text.LastIndexOf(Mask, StringComparison.Ordinal);
        if (mask >= 0 && mask + Mask.Length > cut)
        {
            cut = mask + Mask.Length;
        }

        _pending.Clear().Append(text, cut, text.Length - cut);
        return text[..cut];
    }

    /// <summary>The held-back tail at the end of the stream.</summary>
    public string Flush()
    {
        var rest = Redact(_pending.ToString(), _secrets);
        _pending.Clear();
        return rest;
    }
}
