namespace Codeur.Runner.Sandbox;

/// <summary>The verdict of <see cref="ProjectPathGuard"/>: the real path to mount, or the reason it is refused.</summary>
internal readonly record struct PathCheck(string? ResolvedPath, PathRejection Rejection, string Message)
{
    public bool IsAllowed => Rejection == PathRejection.None;

    public static PathCheck Allowed(string resolved) => new(resolved, PathRejection.None, "allowed");

    public static PathCheck Rejected(PathRejection rejection, string message) => new(null, rejection, message);
}
