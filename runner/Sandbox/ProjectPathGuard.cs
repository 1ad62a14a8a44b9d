namespace Codeur.Runner.Sandbox;

/// <summary>
/// Decides whether a directory may become a sandbox's only mount. Every symlink component is resolved (not just
/// the last), so <c>/srv/p/link/..</c> tricks and links into <c>/etc</c> are judged by where they really lead.
/// The forbidden entries are resolved too, and a project that merely <em>contains</em> a forbidden path is refused
/// as well, because mounting it would expose that path.
/// </summary>
internal sealed class ProjectPathGuard : IProjectPathGuard
{
    /// <summary>Never mountable whatever the config says: kernel interfaces, host config, the engine's socket.</summary>
    public static readonly IReadOnlyList<string> AlwaysForbidden =
        ["/proc", "/sys", "/dev", "/etc", "/boot", "/run", "/var/run", "/var/lib/docker", "/root"];

    private const int MaxSymlinkHops = 40;

    private readonly string[] _forbidden;
    private readonly string[] _roots;

    public ProjectPathGuard(IEnumerable<string> forbiddenPaths, IEnumerable<string> projectRoots, string? homeDirectory = null)
    {
        homeDirectory ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var forbidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in AlwaysForbidden.Concat(DockerSocketDirectories()).Concat(forbiddenPaths))
        {
            AddBothForms(forbidden, Expand(entry, homeDirectory));
        }

        _forbidden = [.. forbidden];
        var roots = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in projectRoots)
        {
            // A root is only trusted in its resolved form: a root that is a symlink means where it points.
            var expanded = Expand(root, homeDirectory);
            if (expanded is not null && Path.IsPathRooted(expanded) && TryResolve(expanded, out var resolved))
            {
                roots.Add(resolved);
            }
        }

        _roots = [.. roots];
        HasRoots = projectRoots.Any();
        Home = homeDirectory;
    }

    public ProjectPathGuard(SandboxOptions options)
        : this(options.ForbiddenPaths, options.ProjectRoots)
    {
    }

    private bool HasRoots { get; }

    private string? Home { get; }

    public PathCheck Check(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return PathCheck.Rejected(PathRejection.Empty, "project path is empty");
        }

        var expanded = Expand(path.Trim(), Home);
        if (expanded is null || !Path.IsPathRooted(expanded))
        {
            return PathCheck.Rejected(PathRejection.NotAbsolute, $"project path '{path}' is not absolute");
        }

        if (!TryResolve(expanded, out var real))
        {
            return PathCheck.Rejected(PathRejection.SymlinkLoop, $"project path '{path}' has too many levels of symbolic links");
        }

        if (real == "/")
        {
            return PathCheck.Rejected(PathRejection.Root, $"project path '{path}' resolves to the root directory");
        }

        foreach (var forbidden in _forbidden)
        {
            if (IsSameOrUnder(real, forbidden))
            {
                return PathCheck.Rejected(PathRejection.Forbidden, $"project path '{path}' resolves to '{real}', which is at or under forbidden path '{forbidden}'");
            }

            if (IsSameOrUnder(forbidden, real))
            {
                return PathCheck.Rejected(PathRejection.ContainsForbidden, $"project path '{path}' resolves to '{real}', which contains forbidden path '{forbidden}'");
            }
        }

        if (HasRoots && !_roots.Any(root => IsSameOrUnder(real, root)))
        {
            return PathCheck.Rejected(PathRejection.OutsideProjectRoots, $"project path '{path}' resolves to '{real}', outside every sandbox.project_roots entry");
        }

        if (!Directory.Exists(real))
        {
            return File.Exists(real)
                ? PathCheck.Rejected(PathRejection.NotADirectory, $"project path '{path}' is not a directory")
                : PathCheck.Rejected(PathRejection.NotFound, $"project path '{path}' does not exist");
        }

        return PathCheck.Allowed(real);
    }

    /// <summary>
    /// Resolves <paramref name="path"/> like realpath(3) without requiring it to exist: every existing component
    /// that is a symlink is replaced by its target, <c>.</c> and <c>..</c> are applied to the physical path.
    /// </summary>
    public static bool TryResolve(string path, out string resolved)
    {
        var pending = new Stack<string>();
        PushComponents(pending, path);
        var current = "/";
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxSymlinkHops)
            {
                resolved = "";
                return false;
            }

            if (target.StartsWith('/'))
            {
                current = "/";
            }

            PushComponents(pending, target);
        }

        resolved = current;
        return true;
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    private static void AddBothForms(HashSet<string> set, string? entry)
    {
        if (string.IsNullOrWhiteSpace(entry) || !Path.IsPathRooted(entry))
        {
            return;
        }

        // The lexical form guards paths that do not exist yet; the resolved form catches a forbidden entry that is
        // itself a symlink (/var/run -> /run).
        var lexical = Path.TrimEndingDirectorySeparator(Path.GetFullPath(entry));
        set.Add(lexical);
        if (TryResolve(lexical, out var resolved))
        {
            set.Add(resolved);
        }
    }

    private static string? Expand(string? path, string? home)
    {
        if (path is null)
        {
            return null;
        }

        if (path == "~")
        {
            return home;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            return string.IsNullOrEmpty(home) ? null : Path.Join(home, path[2..]);
        }

        return path;
    }

    private static IEnumerable<string> DockerSocketDirectories()
    {
        yield return "/var/run/docker.sock";
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { } host
            && host.StartsWith("unix://", StringComparison.Ordinal)
            && Path.GetDirectoryName(host["unix://".Length..]) is { Length: > 1 } directory)
        {
            yield return directory;
        }
    }

    private static bool IsSameOrUnder(string path, string ancestor) =>
        ancestor == "/"
            ? path == "/"
            : path.Length >= ancestor.Length
              && path.StartsWith(ancestor, StringComparison.Ordinal)
              && (path.Length == ancestor.Length || path[ancestor.Length] == '/');
}
