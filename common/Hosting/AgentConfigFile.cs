using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Codeur.Configuration;

namespace Codeur.Hosting;

/// <summary>
/// One read of <c>.agent.yaml</c>: its text and a fingerprint of everything the loaded settings depend on (the text
/// and the files its <c>${file:PATH}</c> secrets name), so a rotated secret file counts as a change too.
/// </summary>
internal sealed partial record AgentConfigFile(string Path, string Text, string Fingerprint, ConfigAudience Audience)
{
    public static AgentConfigFile Read(string path, ConfigAudience audience = ConfigAudience.All)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigException($"cannot read configuration file '{path}': {ex.Message}");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        foreach (Match match in SecretFile().Matches(text))
        {
            hash.AppendData("\0"u8);
            try
            {
                hash.AppendData(File.ReadAllBytes(match.Groups["file"].Value));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable now: the loader reports it with its key and line; the fingerprint only has to differ.
                hash.AppendData("\u0001unreadable"u8);
            }
        }

        return new AgentConfigFile(path, text, Convert.ToHexString(hash.GetHashAndReset()), audience);
    }

    /// <summary>Loads it for <see cref="Audience"/>: the other service's secret keys are neither expanded nor kept.</summary>
    public AgentConfig Load() => AgentConfigLoader.Load(Text, Environment.GetEnvironmentVariable, Path, Audience);

    [GeneratedRegex(@"\$\{file:(?<file>[^}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex SecretFile();
}
