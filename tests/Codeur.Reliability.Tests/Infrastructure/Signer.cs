using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Codeur.Reliability.Tests.Infrastructure;

/// <summary>Signs requests the way GitHub, Slack and Discord do, with the secrets the test system is configured with.</summary>
public sealed class Signer : IDisposable
{
    public const string SlackSecret = "reliability-slack-secret";

    private readonly Key _discordKey = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public string DiscordPublicKeyHex => Convert.ToHexStringLower(_discordKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    public static string GitHub(byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Codeur.IntegrationTests.EndToEnd.CodeurSystem.GitHubSecret), body));

    public static string Slack(byte[] body, string timestamp)
    {
        var basis = Encoding.UTF8.GetBytes($"v0:{timestamp}:").Concat(body).ToArray();
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SlackSecret), basis));
    }

    public string Discord(byte[] body, string timestamp) =>
        Convert.ToHexStringLower(SignatureAlgorithm.Ed25519.Sign(_discordKey, Encoding.UTF8.GetBytes(timestamp).Concat(body).ToArray()));

    public static string Now(TimeSpan offset = default) =>
        (DateTimeOffset.UtcNow + offset).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The same signature with one hexadecimal digit changed: "off by one byte".</summary>
    public static string OffByOne(string signature, int position)
    {
        var chars = signature.ToCharArray();
        var hexStart = signature.IndexOf('=', StringComparison.Ordinal) + 1;
        var at = hexStart + (Math.Abs(position) % (chars.Length - hexStart));
        chars[at] = chars[at] == '0' ? '1' : '0';
        return new string(chars);
    }

    public void Dispose() => _discordKey.Dispose();
}
