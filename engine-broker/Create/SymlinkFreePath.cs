namespace Codeur.EngineBroker.Create;

/// <summary>
/// Checks that an absolute path names an existing directory reached without following a single symbolic link:
/// each component is examined with <c>readlink</c> (which, unlike <c>stat</c>, does not follow the link it names),
/// from the root down. The engine's kernel follows links in bind sources, so a link anywhere — the project itself,
/// or a directory above it — would mount whatever it points at.
/// </summary>
internal static class SymlinkFreePath
{
    /// <returns>null when the path is acceptable, else why not (never echoing the path).</returns>
    public static string? Problem(string path)
    {
        if (!IsPlainAbsolute(path))
        {
            return "must be an absolute path with no empty, '.' or '..' component and no trailing slash";
        }

        var current = "";
        foreach (var component in path.AsSpan(1).ToString().Split('/'))
        {
            current += "/" + component;
            FileSystemInfo info = new DirectoryInfo(current);
            if (info.LinkTarget is not null)
            {
                return "has a symbolic link in its path";
            }

            if (!Directory.Exists(current))
            {
                return "does not name an existing directory";
            }
        }

        return null;
    }

    /// <summary>Absolute, no <c>//</c>, no <c>.</c> or <c>..</c> component, no trailing slash, no control characters.</summary>
    public static bool IsPlainAbsolute(string path)
    {
        if (path.Length < 2 || path[0] != '/' || path[^1] == '/')
        {
            return false;
        }

        foreach (var c in path)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        foreach (var component in path[1..].Split('/'))
        {
            if (component is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><paramref name="path"/> lies strictly below <paramref name="root"/> (component-wise, not string-prefix).</summary>
    public static bool IsStrictlyUnder(string path, string root) =>
        path.Length > root.Length + 1 && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == '/';
}
