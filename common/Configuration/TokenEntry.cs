namespace Codeur.Configuration;

/// <summary>
/// One named bearer token (<c>webhook.tokens.NAME</c>). Written either in the short form <c>NAME: "${SECRET}"</c>
/// (the default scopes) or the long form <c>NAME: {token: "${SECRET}", scopes: [api, relay:slack]}</c>.
/// </summary>
public sealed class TokenEntry
{
    public string Token { get; set; } = "";

    /// <summary>What the token may do; absent means <see cref="TokenScopes.Default"/>, an empty list means nothing.</summary>
    public List<string>? Scopes { get; set; }

    public IReadOnlyList<string> EffectiveScopes => Scopes ?? TokenScopes.Default;

    public static implicit operator TokenEntry(string token) => new() { Token = token };
}
