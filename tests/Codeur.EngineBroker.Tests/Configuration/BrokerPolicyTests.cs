using Codeur.EngineBroker.Configuration;

namespace Codeur.EngineBroker.Tests.Configuration;

/// <summary>Bad broker settings stop it at start with the variable's name; nothing is admitted by default.</summary>
public sealed class BrokerPolicyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codeur-broker-policy-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private BrokerOptions Valid() => new() { RunnerId = "r", ProjectsRoots = [_root] };

    [Fact]
    public void Create_ValidOptions_Accepted() => Assert.NotNull(BrokerPolicy.Create(Valid()));

    [Fact]
    public void Create_NoRunnerId_FailsNamingTheVariable()
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerPolicy.Create(Valid() with { RunnerId = "" }));
        Assert.Equal("CODEUR_BROKER_RUNNER_ID", error.Key);
    }

    [Fact]
    public void Create_NoProjectsRoot_FailsNamingTheVariable()
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerPolicy.Create(Valid() with { ProjectsRoots = [] }));
        Assert.Equal("CODEUR_BROKER_PROJECTS_ROOTS", error.Key);
    }

    [Fact]
    public void Create_ProjectsRootThroughASymlink_Refused()
    {
        Directory.CreateDirectory(_root + "/real");
        File.CreateSymbolicLink(_root + "/link", _root + "/real");

        var error = Assert.Throws<BrokerConfigException>(() => BrokerPolicy.Create(Valid() with { ProjectsRoots = [_root + "/link"] }));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.39")]
    [InlineData("1.24")]
    [InlineData("1.41.1")]
    public void Create_MinimumApiBelow140OrNotMajorMinor_Refused(string version)
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerPolicy.Create(Valid() with { MinApiVersion = Version.Parse(version) }));
        Assert.Equal("CODEUR_BROKER_MIN_API_VERSION", error.Key);
    }

    [Theory]
    [InlineData("http://0.0.0.0:2375")]
    [InlineData("tcp:localhost:2375")]
    [InlineData("unix:relative.sock")]
    public void Create_UnparsableListen_Refused(string listen)
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerPolicy.Create(Valid() with { Listen = [listen] }));
        Assert.Equal("CODEUR_BROKER_LISTEN", error.Key);
    }

    [Fact]
    public void FromEnvironment_ReadsEveryVariable()
    {
        var env = new Dictionary<string, string>
        {
            ["CODEUR_BROKER_LISTEN"] = "unix:/run/x.sock, tcp:127.0.0.1:2375",
            ["CODEUR_BROKER_RUNNER_ID"] = "runner-1",
            ["CODEUR_BROKER_IMAGES"] = "a:1,b:2",
            ["CODEUR_BROKER_PROJECTS_ROOTS"] = "/srv/p",
            ["CODEUR_BROKER_RUNTIMES"] = "runsc",
            ["CODEUR_BROKER_EGRESS_NETWORK"] = "",
            ["CODEUR_BROKER_MIN_API_VERSION"] = "1.41",
            ["CODEUR_BROKER_MAX_PIDS"] = "64",
        };

        var options = BrokerOptions.FromEnvironment(name => env.GetValueOrDefault(name));

        Assert.Equal(["unix:/run/x.sock", "tcp:127.0.0.1:2375"], options.Listen);
        Assert.Equal("runner-1", options.RunnerId);
        Assert.Equal(["a:1", "b:2"], options.Images);
        Assert.Equal(["runsc"], options.Runtimes);
        Assert.Equal("", options.EgressNetwork);
        Assert.Equal(new Version(1, 41), options.MinApiVersion);
        Assert.Equal(64, options.MaxPids);
    }

    [Fact]
    public void FromEnvironment_NotANumber_FailsNamingTheVariable()
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerOptions.FromEnvironment(name => name == "CODEUR_BROKER_MAX_PIDS" ? "lots" : null));
        Assert.Equal("CODEUR_BROKER_MAX_PIDS", error.Key);
    }
}
