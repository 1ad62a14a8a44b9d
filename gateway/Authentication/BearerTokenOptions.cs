using Codeur.Configuration;

namespace Codeur.Gateway.Authentication;

/// <summary>The bearer tokens of one configuration snapshot, kept only as digests (<c>auth_token</c> and <c>tokens</c>).</summary>
internal sealed class BearerTokenOptions
{
    public IReadOnlyList<ConfiguredToken> Tokens { get; private set; } = [];

    public void Configure(AgentConfig config)
    {
        var webhook = config.Webhook;
        var all = new List<ConfiguredToken>();
        if (webhook.AuthToken is { } token)
        {
            all.Add(ConfiguredToken.Create("default", token, TokenScopes.Default));
        }

        foreach (var (name, entry) in webhook.Tokens)
        {
            all.Add(ConfiguredToken.Create(name, entry.Token, entry.EffectiveScopes));
        }

        Tokens = all;
    }
}
