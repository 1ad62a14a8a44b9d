namespace Codeur.Runner.Intake;

/// <summary>The scopes a bearer token may carry (<c>webhook.tokens.NAME.scopes</c>), as the gateway forwards them.</summary>
internal static class TokenScopes
{
    /// <summary><c>POST /api/tasks</c>.</summary>
    public const string Api = "api";

    /// <summary>Read any task (<c>GET /api/tasks/{id}</c>, its logs, <c>status ID</c>), not only the ones the token created.</summary>
    public const string TasksRead = "tasks:read";

    /// <summary>Cancel any task.</summary>
    public const string TasksCancel = "tasks:cancel";

    /// <summary><c>relay:PLATFORM</c>: post that platform's payloads with the token, speaking as <c>token:NAME for PLATFORM:USER</c>.</summary>
    public static string Relay(string platform) => "relay:" + platform;

    /// <summary><c>trust:PLATFORM</c>: the relayed user is believed: associations, requester lists and admins apply to them.</summary>
    public static string Trust(string platform) => "trust:" + platform;
}
