namespace Codeur.Runner.Sandbox;

/// <summary>Why a project path may not be mounted into a sandbox.</summary>
internal enum PathRejection
{
    None,
    Empty,
    NotAbsolute,
    SymlinkLoop,
    NotFound,
    NotADirectory,
    Root,
    Forbidden,
    ContainsForbidden,
    OutsideProjectRoots,
}
