namespace Codeur.Runner.Intake;

/// <summary>What the gateway verified about the caller, read from the headers only it can set.</summary>
internal sealed record CallerIdentity(string Platform, string Identity, string AuthMethod)
{
    public bool IsSigned => AuthMethod == "signature";

    public static CallerIdentity From(HttpContext context)
    {
        var headers = context.Request.Headers;
        return new CallerIdentity(
            headers["X-Codeur-Platform"].FirstOrDefault() ?? "api",
            headers["X-Codeur-Identity"].FirstOrDefault() ?? "unknown",
            headers["X-Codeur-Auth"].FirstOrDefault() ?? "bearer");
    }
}
