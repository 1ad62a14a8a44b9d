namespace Codeur.Configuration;

/// <summary><c>webhook.discord</c>: which Discord guilds may use the agent.</summary>
public sealed class DiscordSection
{
    /// <summary>
    /// Guild ids whose signed interactions are accepted; <c>["*"]</c> accepts any guild (anyone can install a Discord
    /// app). Required once <c>discord_public_key</c> is set. Interactions from direct messages carry no guild and are refused unless <c>*</c>.
    /// </summary>
    public List<string>? Guilds { get; set; }
}
