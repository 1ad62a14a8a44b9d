using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Codeur.Gateway.Authentication;

/// <summary>
/// <c>Authorization: Bearer</c> against <c>auth_token</c> (named <c>default</c>) and the named <c>tokens</c>, as they
/// stand in the live configuration: a revoked or rotated token is refused from the next request after the reload.
/// The identity carries the token's name and scopes; the route policy decides what they allow.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    BearerTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderNames.Authorization, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var header = values.Count == 1 ? values[0] : null;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticationFailure.Fail(Context, "Authorization header is not a single bearer token"));
        }

        var token = tokens.Match(header.AsSpan(7).Trim());
        return Task.FromResult(token is null
            ? AuthenticationFailure.Fail(Context, "invalid bearer token")
            : Identity.Success(Scheme.Name, token.Identity, "bearer", token.ScopeText));
    }
}
