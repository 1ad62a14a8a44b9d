using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class ProjectPathGuardTests : IDisposable
{
    private readonly string _base;

    public ProjectPathGuardTests()
    {
        // /tmp may itself be a symlink on some hosts: compare against the resolved base.
        Assert.True(ProjectPathGuard.TryResolve(Directory.CreateTempSubdirectory("codeur-guard-").FullName, out _base));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void Check_ExistingDirectory_AllowedWithRealPath()
    {
        var project = Make("project");

        var check = Guard().Check(project + "/./sub/..");

        Assert.True(check.IsAllowed, check.Message);
        Assert.Equal(project, check.ResolvedPath);
    }

    [Fact]
    public void Check_SymlinkToProject_AllowedAsTarget()
    {
        var project = Make("real");
        var link = Path.Combine(_base, "link");
        Directory.CreateSymbolicLink(link, project);

        var check = Guard().Check(link);

        Assert.True(check.IsAllowed, check.Message);
        Assert.Equal(project, check.ResolvedPath);
    }

    [Fact]
    public void Check_SymlinkIntoEtc_RejectedAsForbidden()
    {
        var link = Path.Combine(_base, "etc-link");
        Directory.CreateSymbolicLink(link, "/etc");

        var check = Guard().Check(link);

        Assert.Equal(PathRejection.Forbidden, check.Rejection);
        Assert.Contains("'/etc'", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_SymlinkInMiddleComponent_ResolvedAndRejected()
    {
        // Only the middle component is a link; resolving just the last one would see "<base>/mid/ssl".
        Directory.CreateSymbolicLink(Path.Combine(_base, "mid"), "/etc");

        var check = Guard().Check(Path.Combine(_base, "mid", "ssl"));

        Assert.Equal(PathRejection.Forbidden, check.Rejection);
        Assert.Contains("/etc/ssl", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DotDotAfterSymlink_FollowsPhysicalParent()
    {
        // <base>/a/up -> /etc/ssl, so <base>/a/up/.. is /etc (physically), not <base>/a.
        Make("a");
        Directory.CreateSymbolicLink(Path.Combine(_base, "a", "up"), "/etc/ssl");

        var check = Guard().Check(Path.Combine(_base, "a", "up", ".."));

        Assert.Equal(PathRejection.Forbidden, check.Rejection);
    }

    [Fact]
    public void Check_Root_Rejected()
    {
        var check = Guard().Check("/");

        Assert.Equal(PathRejection.Root, check.Rejection);
    }

    [Fact]
    public void Check_SymlinkToRoot_Rejected()
    {
        var link = Path.Combine(_base, "slash");
        Directory.CreateSymbolicLink(link, "/");

        var check = Guard().Check(link);

        Assert.Equal(PathRejection.Root, check.Rejection);
    }

    [Theory]
    [InlineData("/proc/self")]
    [InlineData("/sys")]
    [InlineData("/dev")]
    [InlineData("/boot")]
    [InlineData("/run")]
    [InlineData("/var/run")]
    public void Check_BuiltInSystemPath_RejectedWithoutConfig(string path)
    {
        var check = Guard().Check(path);

        Assert.False(check.IsAllowed);
        Assert.Contains("forbidden", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnderTildeForbiddenEntry_RejectedWithHomeExpanded()
    {
        var home = Make("home");
        var secret = Make("home/.ssh/keys");

        var check = Guard(forbidden: ["~/.ssh"], home: home).Check(secret);

        Assert.Equal(PathRejection.Forbidden, check.Rejection);
        Assert.Contains(home + "/.ssh", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TildeProjectPath_Expanded()
    {
        var home = Make("home2");
        var project = Make("home2/code");

        var check = Guard(home: home).Check("~/code");

        Assert.True(check.IsAllowed, check.Message);
        Assert.Equal(project, check.ResolvedPath);
    }

    [Fact]
    public void Check_ForbiddenEntryIsSymlink_ItsTargetIsForbiddenToo()
    {
        var target = Make("secret-target");
        var forbiddenLink = Path.Combine(_base, "secret-link");
        Directory.CreateSymbolicLink(forbiddenLink, target);
        var inside = Make("secret-target/inside");

        var check = Guard(forbidden: [forbiddenLink]).Check(inside);

        Assert.Equal(PathRejection.Forbidden, check.Rejection);
    }

    [Fact]
    public void Check_ParentOfForbiddenPath_RejectedAsContainsForbidden()
    {
        var parent = Make("parent");
        Make("parent/private");

        var check = Guard(forbidden: [Path.Combine(parent, "private")]).Check(parent);

        Assert.Equal(PathRejection.ContainsForbidden, check.Rejection);
    }

    [Fact]
    public void Check_SiblingWithForbiddenPrefix_Allowed()
    {
        Make("data");
        var sibling = Make("database");

        var check = Guard(forbidden: [Path.Combine(_base, "data")]).Check(sibling);

        Assert.True(check.IsAllowed, check.Message);
    }

    [Fact]
    public void Check_OutsideConfiguredRoots_Rejected()
    {
        var root = Make("projects");
        var outside = Make("elsewhere");

        var check = Guard(roots: [root]).Check(outside);

        Assert.Equal(PathRejection.OutsideProjectRoots, check.Rejection);
    }

    [Fact]
    public void Check_UnderConfiguredRoot_Allowed()
    {
        var root = Make("projects");
        var project = Make("projects/api");

        var check = Guard(roots: [root]).Check(project);

        Assert.True(check.IsAllowed, check.Message);
    }

    [Fact]
    public void Check_SymlinkEscapingRoot_Rejected()
    {
        var root = Make("projects");
        var outside = Make("outside");
        var link = Path.Combine(root, "escape");
        Directory.CreateSymbolicLink(link, outside);

        var check = Guard(roots: [root]).Check(link);

        Assert.Equal(PathRejection.OutsideProjectRoots, check.Rejection);
    }

    [Fact]
    public void Check_Missing_RejectedNotFound()
    {
        var check = Guard().Check(Path.Combine(_base, "nope"));

        Assert.Equal(PathRejection.NotFound, check.Rejection);
    }

    [Fact]
    public void Check_File_RejectedNotADirectory()
    {
        var file = Path.Combine(_base, "file.txt");
        File.WriteAllText(file, "x");

        var check = Guard().Check(file);

        Assert.Equal(PathRejection.NotADirectory, check.Rejection);
    }

    [Fact]
    public void Check_Relative_RejectedNotAbsolute()
    {
        var check = Guard().Check("relative/path");

        Assert.Equal(PathRejection.NotAbsolute, check.Rejection);
    }

    [Fact]
    public void Check_SymlinkLoop_Rejected()
    {
        var a = Path.Combine(_base, "loop-a");
        var b = Path.Combine(_base, "loop-b");
        Directory.CreateSymbolicLink(a, b);
        Directory.CreateSymbolicLink(b, a);

        var check = Guard().Check(a);

        Assert.Equal(PathRejection.SymlinkLoop, check.Rejection);
    }

    private ProjectPathGuard Guard(string[]? forbidden = null, string[]? roots = null, string? home = null) =>
        new(forbidden ?? [], roots ?? [], home ?? Path.Combine(_base, "no-home"));

    private string Make(string relative)
    {
        var path = Path.Combine(_base, relative);
        Directory.CreateDirectory(path);
        return path;
    }
}
