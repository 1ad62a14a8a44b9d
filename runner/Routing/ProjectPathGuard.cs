namespace Codeur.Runner.Routing;

/// <summary>
/// The default path guard (POSIX paths): expands <c>~</c>, resolves every symlink component like
/// <c>realpath(3)</c>, and refuses <c>/</c>, the system directories and <c>forbidden_paths</c> (resolved too)
/// when the project is one of them, lies under one, or contains one (mounting <c>/home/dev</c> would expose
/// <c>~/.ssh</c>). The directory must exist.
/// </summary>
internal sealed class ProjectPathGuard : IProjectPathGuard
{
    public const string ForbiddenReason = "forbidden path";
    public const string MissingReason = "project directory does not exist";

    private const int MaxSymlinks = 40;

    private static readonly string[] SystemPaths = ["/proc", "/sys", "/dev", "/etc", "/boot", "/run", "/var/run", "/var/lib/docker"];

    private readonly string _home;
    private readonly string[] _forbidden;

    public ProjectPathGuard(IEnumerable<string> forbiddenPaths, string? homeDirectory = null)
    {
        _home = NormalizeLexically(homeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        var forbidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in SystemPaths.Concat(forbiddenPaths.Where(p => !string.IsNullOrWhiteSpace(p))))
        {
            var expanded = Expand(entry.Trim());
            if (!expanded.StartsWith('/'))
            {
                continue; // The validator refuses relative entries; nothing sensible to compare here.
            }

            forbidden.Add(NormalizeLexically(expanded));
            if (TryResolve(expanded, out var resolved))
            {
                forbidden.Add(resolved);
            }
        }

        _forbidden = [.. forbidden];
    }

    public IReadOnlyList<string> ForbiddenPaths => _forbidden;

    public PathCheck Check(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return PathCheck.Refused("project path is empty");
        }

        var expanded = Expand(path.Trim());
        if (!expanded.StartsWith('/'))
        {
            expanded = Environment.CurrentDirectory.TrimEnd('/') + "/" + expanded;
        }

        if (!TryResolve(expanded, out var canonical))
        {
            return PathCheck.Refused("project path cannot be resolved (symlink loop or unreadable)");
        }

        if (canonical == "/" || IsForbidden(canonical))
        {
            return PathCheck.Refused(ForbiddenReason);
        }

        return Directory.Exists(canonical) ? PathCheck.Allowed(canonical) : PathCheck.Refused(MissingReason);
    }

    private bool IsForbidden(string canonical)
    {
        foreach (var forbidden in _forbidden)
        {
            if (forbidden == "/" || canonical == forbidden
                || canonical.StartsWith(forbidden + "/", StringComparison.Ordinal)
                || forbidden.StartsWith(canonical + "/", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private string Expand(string path)
    {
        if (path == "~")
        {
            return _home;
        }

        return path.StartsWith("~/", StringComparison.Ordinal) ? _home.TrimEnd('/') + path[1..] : path;
    }

    /// <summary>
    /// realpath without requiring existence: symlinks are followed while the prefix exists, the rest is
    /// normalised lexically. False on a symlink loop or an unreadable link.
    /// </summary>
    private static bool TryResolve(string absolutePath, out string resolved)
    {
        resolved = "/";
        var pending = new Stack<string>(absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = "/";
        var links = 0;
        var missing = false;
        try
        {
            while (pending.TryPop(out var part))
            {
                if (part == ".")
                {
                    continue;
                }

                if (part == "..")
                {
                    current = Parent(current);
                    continue;
                }

                var next = current == "/" ? "/" + part : current + "/" + part;
                if (!missing)
                {
                    var info = new FileInfo(next);
                    if (info.LinkTarget is { } target)
                    {
                        if (++links > MaxSymlinks)
                        {
                            return false;
                        }

                        if (target.StartsWith('/'))
                        {
                            current = "/";
                        }

                        foreach (var segment in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                        {
                            pending.Push(segment);
                        }

                        continue;
                    }

                    missing = !info.Exists && !Directory.Exists(next);
                }

                current = next;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        resolved = current;
        return true;
    }

    private static string Parent(string path)
    {
        var cut = path.LastIndexOf('/');
        return cut <= 0 ? "/" : path[..cut];
    }

    private static string NormalizeLexically(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }
}
