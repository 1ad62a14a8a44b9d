namespace Codeur.Runner.Routing;

/// <summary>The path guard's verdict: the canonical path to mount, or why not.</summary>
internal sealed record PathCheck
{
    private PathCheck(string? canonicalPath, string? reason)
    {
        CanonicalPath = canonicalPath;
        Reason = reason;
    }

    public bool Ok => CanonicalPath is not null;

    /// <summary>The absolute path with every symlink resolved; set when <see cref="Ok"/>.</summary>
    public string? CanonicalPath { get; }

    /// <summary>"forbidden path", "project directory does not exist"...; set when not <see cref="Ok"/>.</summary>
    public string? Reason { get; }

    public static PathCheck Allowed(string canonicalPath) => new(canonicalPath, null);

    public static PathCheck Refused(string reason) => new(null, reason);
}
