using Codeur.Runner.Routing;

namespace Codeur.Runner.Tests.Routing;

public sealed class ProjectPathGuardTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("codeur-guard-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Dir(string relative) => Directory.CreateDirectory(Path.Combine(_root.FullName, relative)).FullName;

    private string Link(string relative, string target)
    {
        var path = Path.Combine(_root.FullName, relative);
        Directory.CreateSymbolicLink(path, target);
        return path;
    }

    // The temp root itself may sit behind a symlink (macOS /var → /private/var); compare against its real path.
    private string Real(string relative) => new ProjectPathGuard([]).Check(Path.Combine(_root.FullName, relative)).CanonicalPath!;

    [Fact]
    public void Check_ExistingDirectory_AllowedWithCanonicalPath()
    {
        var project = Dir("projects/backend");

        var check = new ProjectPathGuard([]).Check(project + "/./");

        Assert.True(check.Ok);
        Assert.Equal(Real("projects/backend"), check.CanonicalPath);
        Assert.Null(check.Reason);
    }

    [Fact]
    public void Check_SymlinkIntoEtc_Refused()
    {
        var link = Link("evil", "/etc");

        var check = new ProjectPathGuard([]).Check(link);

        Assert.False(check.Ok);
        Assert.Equal("forbidden path", check.Reason);
    }

    [Fact]
    public void Check_SymlinkedParentLeadingUnderEtc_Refused()
    {
        Link("conf", "/etc");

        Assert.Equal("forbidden path", new ProjectPathGuard([]).Check(Path.Combine(_root.FullName, "conf/ssl")).Reason);
    }

    [Fact]
    public void Check_RelativeSymlinkChain_ResolvedEveryComponent()
    {
        Dir("real/backend");
        Link("hop1", "real");
        Link("hop2", "./hop1/../hop1");

        var check = new ProjectPathGuard([]).Check(Path.Combine(_root.FullName, "hop2/backend"));

        Assert.True(check.Ok, check.Reason);
        Assert.Equal(Real("real/backend"), check.CanonicalPath);
    }

    [Fact]
    public void Check_DotDotAfterSymlink_FollowsTheLinkTarget()
    {
        // Lexical normalisation would give <root>/allowed; the kernel goes to /etc/.. = / instead.
        Dir("allowed");
        Link("escape", "/etc/ssl");

        Assert.Equal("forbidden path", new ProjectPathGuard([]).Check(Path.Combine(_root.FullName, "escape/..")).Reason);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/etc")]
    [InlineData("/proc/self")]
    [InlineData("/sys")]
    [InlineData("/dev")]
    [InlineData("/run")]
    [InlineData("/var/run")]
    [InlineData("/boot")]
    [InlineData("/var")]
    [InlineData("//etc/../etc/")]
    public void Check_SystemPaths_Refused(string path)
    {
        Assert.Equal("forbidden path", new ProjectPathGuard([]).Check(path).Reason);
    }

    [Fact]
    public void Check_UnderForbiddenEntry_Refused()
    {
        Dir("secret/inner");

        var guard = new ProjectPathGuard([Path.Combine(_root.FullName, "secret")]);

        Assert.Equal("forbidden path", guard.Check(Path.Combine(_root.FullName, "secret")).Reason);
        Assert.Equal("forbidden path", guard.Check(Path.Combine(_root.FullName, "secret/inner")).Reason);
        Assert.True(guard.Check(Dir("secret-not")).Ok);
    }

    [Fact]
    public void Check_AncestorOfForbiddenEntry_Refused()
    {
        Dir("home/.ssh");

        var guard = new ProjectPathGuard([Path.Combine(_root.FullName, "home/.ssh")]);

        Assert.Equal("forbidden path", guard.Check(Path.Combine(_root.FullName, "home")).Reason);
    }

    [Fact]
    public void Check_TildeForbiddenEntry_ExpandsAgainstHome()
    {
        var home = Dir("home");
        Dir("home/.ssh/keys");
        var guard = new ProjectPathGuard(["~/.ssh"], home);

        Assert.Equal("forbidden path", guard.Check(Path.Combine(home, ".ssh/keys")).Reason);
        Assert.Equal("forbidden path", guard.Check("~/.ssh").Reason);
        Assert.True(guard.Check(Dir("home/projects/app")).Ok);
    }

    [Fact]
    public void Check_TildeProjectPath_ExpandsAgainstHome()
    {
        var home = Dir("home2");
        Dir("home2/work/api");

        var check = new ProjectPathGuard([], home).Check("~/work/api");

        Assert.True(check.Ok, check.Reason);
        Assert.Equal(Real("home2/work/api"), check.CanonicalPath);
    }

    [Fact]
    public void Check_ForbiddenEntryIsSymlink_TargetAlsoForbidden()
    {
        var target = Dir("vault");
        var alias = Link("vault-alias", target);
        var guard = new ProjectPathGuard([alias]);

        Assert.Equal("forbidden path", guard.Check(target).Reason);
    }

    [Fact]
    public void Check_SymlinkIntoForbiddenEntry_Refused()
    {
        Dir("private/data");
        var link = Link("innocent", Path.Combine(_root.FullName, "private/data"));

        Assert.Equal("forbidden path", new ProjectPathGuard([Path.Combine(_root.FullName, "private")]).Check(link).Reason);
    }

    [Fact]
    public void Check_MissingDirectory_Refused()
    {
        Assert.Equal("project directory does not exist", new ProjectPathGuard([]).Check(Path.Combine(_root.FullName, "nope")).Reason);
    }

    [Fact]
    public void Check_FileNotDirectory_Refused()
    {
        var file = Path.Combine(_root.FullName, "file.txt");
        File.WriteAllText(file, "x");

        Assert.Equal("project directory does not exist", new ProjectPathGuard([]).Check(file).Reason);
    }

    [Fact]
    public void Check_DanglingSymlink_Refused()
    {
        var link = Link("dangling", Path.Combine(_root.FullName, "gone"));

        Assert.Equal("project directory does not exist", new ProjectPathGuard([]).Check(link).Reason);
    }

    [Fact]
    public void Check_SymlinkLoop_Refused()
    {
        Link("loop-a", Path.Combine(_root.FullName, "loop-b"));
        Link("loop-b", Path.Combine(_root.FullName, "loop-a"));

        var check = new ProjectPathGuard([]).Check(Path.Combine(_root.FullName, "loop-a"));

        Assert.False(check.Ok);
        Assert.Contains("symlink loop", check.Reason, StringComparison.Ordinal);
    }
}
