namespace Codeur.Runner.Sandbox;

/// <summary>The verdict of <see cref="ProjectPathGuard"/>: the real path to mount, or the reason it is refused.</summary>
internal readonly record struct PathCheck(string? ResolvedPath, PathRejection Rejection, string Message)
{
    public bool IsAllowed => Rejection == PathRejection.None;

    /// <summary>A short reason safe to show a requester: no host paths (those stay in <see cref="Message"/>, for logs).</summary>
    public string Reason => Rejection switch
    {
        PathRejection.None => "allowed",
        PathRejection.Forbidden or PathRejection.ContainsForbidden or PathRejection.Root => "forbidden path",
        PathRejection.NotFound => "project directory does not exist",
        PathRejection.NotADirectory => "project path is not a directory",
        PathRejection.OutsideProjectRoots => "project path is outside the allowed project roots",
        PathRejection.SymlinkLoop => "project path has a symbolic link loop",
        _ => "project path is not an absolute path",
    };

    public static PathCheck Allowed(string resolved) => new(resolved, PathRejection.None, "allowed");

    public static PathCheck Rejected(PathRejection rejection, string message) => new(null, rejection, message);
}
