using System.Text;
using Codeur.Configuration;
using NSec.Cryptography;

namespace Codeur.Gateway.Authentication;

/// <summary>The platform verification keys, decoded once at start. A null member means that platform is not configured.</summary>
internal sealed class PlatformSecrets(AgentConfig config)
{
    public byte[]? GitHub { get; } = config.Webhook.GithubWebhookSecret is { } github ? Encoding.UTF8.GetBytes(github) : null;

    public byte[]? Slack { get; } = config.Webhook.SlackSigningSecret is { } slack ? Encoding.UTF8.GetBytes(slack) : null;

    public PublicKey? Discord { get; } = config.Webhook.DiscordPublicKey is { } discord
        ? PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(discord), KeyBlobFormat.RawPublicKey)
        : null;
}
