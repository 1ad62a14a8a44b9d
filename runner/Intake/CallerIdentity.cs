using System.Collections.Frozen;
using Codeur.Configuration;

namespace Codeur.Runner.Intake;

/// <summary>
/// What the gateway verified about the caller, read from the headers only it can set (it removes client-sent
/// <c>X-Codeur-*</c>): the platform route, the identity (<c>token:NAME</c> or the platform), how it was verified,
/// and for a bearer token its scopes (<c>X-Codeur-Scopes</c>, space-separated).
/// </summary>
internal sealed partial record CallerIdentity(string Platform, string Identity, string AuthMethod, FrozenSet<string> Scopes)
{
    public const string TokenPrefix = "token:";

    /// <summary>
    /// What a bearer caller has when no scopes header arrived (the gateway sends one for every token): the short form's
    /// and <c>auth_token</c>'s defaults, which grant nothing beyond the API, relaying, and the caller's own tasks.
    /// </summary>
    public static readonly FrozenSet<string> DefaultScopes = TokenScopes.Default.ToFrozenSet(StringComparer.Ordinal);

    public bool IsSigned => AuthMethod == "signature";

    /// <summary>The token's name for a bearer caller (<c>token:ci</c> → <c>ci</c>); null for a platform signature.</summary>
    public string? TokenName => !IsSigned && Identity.StartsWith(TokenPrefix, StringComparison.Ordinal) && Identity.Length > TokenPrefix.Length
        ? Identity[TokenPrefix.Length..]
        : null;

    public bool Has(string scope) => TokenName is not null && Scopes.Contains(scope);

    /// <summary>
    /// The gateway's id for a submission (<c>X-Codeur-Request-Id</c>): the dedupe key when the payload has no delivery
    /// id of its own, so a request forwarded again from the gateway's spool becomes a task at most once.
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>Forwarded from the gateway's spool (<c>X-Codeur-Spooled-At</c>): the caller is no longer waiting for this answer.</summary>
    public bool Spooled { get; init; }

    public static CallerIdentity From(HttpContext context)
    {
        var headers = context.Request.Headers;
        var scopes = headers[TokenScopes.Header].FirstOrDefault() is { } list
            ? list.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToFrozenSet(StringComparer.Ordinal)
            : DefaultScopes;
        return new CallerIdentity(
            headers["X-Codeur-Platform"].FirstOrDefault() ?? "api",
            headers["X-Codeur-Identity"].FirstOrDefault() ?? "unknown",
            headers["X-Codeur-Auth"].FirstOrDefault() ?? "bearer",
            scopes)
        {
            RequestId = headers["X-Codeur-Request-Id"].FirstOrDefault() is { } id && RequestIdFormat().IsMatch(id) ? id : null,
            Spooled = headers["X-Codeur-Spooled-At"].Count > 0,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial System.Text.RegularExpressions.Regex RequestIdFormat();
}
