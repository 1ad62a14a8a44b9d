namespace Codeur.Runner.Intake;

/// <summary>What the gateway verified about the caller, read from the headers only it can set.</summary>
internal sealed partial record CallerIdentity(string Platform, string Identity, string AuthMethod)
{
    public bool IsSigned => AuthMethod == "signature";

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
        return new CallerIdentity(
            headers["X-Codeur-Platform"].FirstOrDefault() ?? "api",
            headers["X-Codeur-Identity"].FirstOrDefault() ?? "unknown",
            headers["X-Codeur-Auth"].FirstOrDefault() ?? "bearer")
        {
            RequestId = headers["X-Codeur-Request-Id"].FirstOrDefault() is { } id && RequestIdFormat().IsMatch(id) ? id : null,
            Spooled = headers["X-Codeur-Spooled-At"].Count > 0,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial System.Text.RegularExpressions.Regex RequestIdFormat();
}
