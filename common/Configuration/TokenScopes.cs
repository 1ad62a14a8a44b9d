namespace Codeur.Configuration;

/// <summary>
/// What a bearer token may do (<c>webhook.tokens.NAME.scopes</c>). The gateway enforces the route scopes
/// (<c>api</c>, <c>relay:PLATFORM</c>) and forwards the token's scopes to the runner in
/// <see cref="Header"/>; the runner applies the rest (<c>trust:PLATFORM</c>, <c>tasks:read</c>, <c>tasks:cancel</c>).
/// </summary>
public static class TokenScopes
{
    /// <summary>The gateway → runner header carrying the verified token's scopes, space-separated. Only the gateway sets it.</summary>
    public const string Header = "X-Codeur-Scopes";

    /// <summary><c>POST /api/tasks</c>, <c>GET /status</c>, and reading or cancelling the tasks the token created.</summary>
    public const string Api = "api";

    public const string RelayGithub = "relay:github";
    public const string RelaySlack = "relay:slack";
    public const string RelayDiscord = "relay:discord";

    /// <summary>The runner applies the platform's trust (author associations, requester and admin lists) to the user a relay names.</summary>
    public const string TrustGithub = "trust:github";
    public const string TrustSlack = "trust:slack";
    public const string TrustDiscord = "trust:discord";

    /// <summary>Read tasks the token did not create.</summary>
    public const string TasksRead = "tasks:read";

    /// <summary>Cancel tasks the token did not create.</summary>
    public const string TasksCancel = "tasks:cancel";

    /// <summary>
    /// Scopes of <c>auth_token</c> and of a token written in the short form: the API and relaying for every platform
    /// (the CI and Slack-workflow examples use them), no platform trust and no access to others' tasks.
    /// </summary>
    public static readonly IReadOnlyList<string> Default = [Api, RelayGithub, RelaySlack, RelayDiscord];

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        Api, RelayGithub, RelaySlack, RelayDiscord, TrustGithub, TrustSlack, TrustDiscord, TasksRead, TasksCancel,
    };

    /// <summary>The scope a bearer caller needs to post to <c>/webhook/PLATFORM</c>.</summary>
    public static string Relay(string platform) => "relay:" + platform;
}
