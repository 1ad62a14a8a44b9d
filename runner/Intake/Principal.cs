using System.Collections.Frozen;

namespace Codeur.Runner.Intake;

/// <summary>
/// The caller once admitted (the pipeline's first step): who it is, which platform trust applies, and where the
/// request comes from. <see cref="User"/> is set only when the platform vouches for the user (a signed request, or a
/// relay whose token has <c>trust:PLATFORM</c>); an untrusted relay's user is only <see cref="ClaimedUser"/>, for the record.
/// </summary>
internal sealed record Principal
{
    /// <summary>github, slack, discord or api: the route the request came in on.</summary>
    public required string Platform { get; init; }

    /// <summary>The bearer token's name; null for a platform signature.</summary>
    public string? Token { get; init; }

    public FrozenSet<string> Scopes { get; init; } = FrozenSet<string>.Empty;

    /// <summary>The platform user whose trust applies (GitHub login, Slack or Discord user id).</summary>
    public string? User { get; init; }

    /// <summary>The user an untrusted relay says it speaks for.</summary>
    public string? ClaimedUser { get; init; }

    /// <summary>GitHub <c>author_association</c>, only when the platform vouches for it.</summary>
    public string? Association { get; init; }

    /// <summary>In <c>replies.admins</c> for <see cref="Platform"/> (only a trusted user can be).</summary>
    public bool IsAdmin { get; init; }

    /// <summary>Where the request comes from: the GitHub repository, Slack team, Discord guild and the channel.</summary>
    public string? Repository { get; init; }

    public string? Team { get; init; }

    public string? Guild { get; init; }

    public string? Channel { get; init; }

    /// <summary>The platform vouches for <see cref="User"/>, its repository, team or guild.</summary>
    public bool Trusted => User is not null;

    /// <summary>
    /// The requester recorded on the task: the user (signed), <c>USER via token:NAME</c> (trusted relay),
    /// <c>token:NAME for PLATFORM:USER</c> (untrusted relay) or <c>token:NAME</c> (API).
    /// </summary>
    public string Requester => (User, Token, ClaimedUser) switch
    {
        ({ } user, null, _) => user,
        ({ } user, { } token, _) => $"{user}{TaskOwner.Via}{CallerIdentity.TokenPrefix}{token}",
        (null, { } token, { } claimed) => $"{CallerIdentity.TokenPrefix}{token} for {Platform}:{claimed}",
        (null, { } token, null) => CallerIdentity.TokenPrefix + token,
        _ => "unknown",
    };

    public bool Has(string scope) => Token is not null && Scopes.Contains(scope);

    /// <summary>A task API caller: its token and scopes, no platform user.</summary>
    public static Principal FromApi(CallerIdentity caller) => new() { Platform = "api", Token = caller.TokenName, Scopes = caller.Scopes };
}
