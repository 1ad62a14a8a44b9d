using System.Text;
using Codeur.Configuration;
using NSec.Cryptography;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// The platform verification keys of one configuration snapshot, decoded once per change. A null member means that
/// platform is not configured. Handlers read one snapshot per request, so a rotation never splits a request.
/// </summary>
internal sealed class PlatformSecrets
{
    public byte[]? GitHub { get; private set; }

    public byte[]? Slack { get; private set; }

    public PublicKey? Discord { get; private set; }

    public void Configure(AgentConfig config)
    {
        var webhook = config.Webhook;
        GitHub = webhook.GithubWebhookSecret is { } github ? Encoding.UTF8.GetBytes(github) : null;
        Slack = webhook.SlackSigningSecret is { } slack ? Encoding.UTF8.GetBytes(slack) : null;

        // The validator admits only 64 hex digits here, so the import cannot fail.
        Discord = webhook.DiscordPublicKey is { } discord
            ? PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(discord), KeyBlobFormat.RawPublicKey)
            : null;
    }
}
