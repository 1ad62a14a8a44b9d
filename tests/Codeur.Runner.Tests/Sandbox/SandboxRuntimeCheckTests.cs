using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class SandboxRuntimeCheckTests
{
    // What `docker info` reports once deploy/ensure-runsc.sh has run (Debian 12, engine 20.10).
    private static readonly EngineRuntimes Registered = new(
        new Dictionary<string, EngineRuntime>
        {
            ["runc"] = new("runc", []),
            ["runsc"] = new("/usr/bin/runsc", ["--platform=ptrace", "--network=none"]),
            ["runsc-hostinet"] = new("/usr/bin/runsc", ["--platform=ptrace", "--network=host"]),
            ["runsc-netstack"] = new("/usr/bin/runsc", ["--platform=ptrace"]),
        },
        "runc");

    [Fact]
    public void Check_AllRegisteredWithoutNetwork_NoFindings()
    {
        var options = new SandboxOptions { Runtime = "runsc", Runtimes = new Dictionary<string, string> { ["search"] = "runc" } };

        Assert.Empty(SandboxRuntimeCheck.Check(options, Registered));
    }

    [Fact]
    public void Check_UnregisteredPerCommandRuntime_FatalNamingTheKeyAndWhatIsRegistered()
    {
        var options = new SandboxOptions { Runtime = "runsc", Runtimes = new Dictionary<string, string> { ["analyze"] = "kata" } };

        var finding = Assert.Single(SandboxRuntimeCheck.Check(options, Registered));

        Assert.True(finding.Fatal);
        Assert.Equal("webhook.sandbox.runtimes.analyze", finding.Key);
        Assert.Contains("'kata' is not registered", finding.Message, StringComparison.Ordinal);
        Assert.Contains("runc, runsc, runsc-hostinet, runsc-netstack", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnregisteredDefaultRuntime_ReportedOnceUnderSandboxRuntime()
    {
        var options = new SandboxOptions { Runtime = "runsc" };
        var engine = new EngineRuntimes(new Dictionary<string, EngineRuntime> { ["runc"] = new("runc", []) }, "runc");

        var finding = Assert.Single(SandboxRuntimeCheck.Check(options, engine));

        Assert.Equal("webhook.sandbox.runtime", finding.Key);
        Assert.True(finding.Fatal);
    }

    [Fact]
    public void Check_EgressReviewOnGVisorWithoutNetwork_FatalNamingTheAnalyzeFix()
    {
        // The quickstart's shape with an agent: everything on gVisor but run; a review's agent joins the egress network too.
        var options = new SandboxOptions
        {
            Runtime = "runsc", Runtimes = new Dictionary<string, string> { ["run"] = "runc" }, NetworkMode = "egress", DefaultReviewPrompt = "Review",
        };

        var finding = Assert.Single(SandboxRuntimeCheck.Check(options, Registered));

        Assert.True(finding.Fatal);
        Assert.Equal("webhook.sandbox.runtime", finding.Key);
        Assert.Contains("set webhook.sandbox.runtimes.analyze: runc (or webhook.sandbox.review: false)", finding.Message, StringComparison.Ordinal);
        Assert.Empty(SandboxRuntimeCheck.Check(new SandboxOptions { Runtime = "runsc", Runtimes = new Dictionary<string, string> { ["run"] = "runc" }, NetworkMode = "egress" }, Registered));
    }

    [Fact]
    public void Check_EgressRunOnGVisorWithoutNetwork_FatalNamingTheRunKey()
    {
        var options = new SandboxOptions { Runtime = "runsc", NetworkMode = "egress" };

        var finding = Assert.Single(SandboxRuntimeCheck.Check(options, Registered));

        Assert.True(finding.Fatal);
        Assert.Equal("webhook.sandbox.runtime", finding.Key);
        Assert.Contains("--network=none", finding.Message, StringComparison.Ordinal);
        Assert.Contains("webhook.sandbox.runtimes.run: runc", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_EgressRunOnRuncOtherCommandsOnGVisor_Accepted()
    {
        var options = new SandboxOptions { Runtime = "runsc", NetworkMode = "egress", Runtimes = new Dictionary<string, string> { ["run"] = "runc" } };

        Assert.Empty(SandboxRuntimeCheck.Check(options, Registered));
    }

    [Fact]
    public void Check_EgressRunOnGVisorHostNetwork_WarnsWithTheMeasuredFailure()
    {
        var options = new SandboxOptions { Runtime = "runsc", NetworkMode = "egress", Runtimes = new Dictionary<string, string> { ["run"] = "runsc-hostinet" } };

        var finding = Assert.Single(SandboxRuntimeCheck.Check(options, Registered));

        Assert.False(finding.Fatal);
        Assert.Equal("webhook.sandbox.runtimes.run", finding.Key);
        Assert.Contains("Resource temporarily unavailable", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_EgressRunOnGVisorNetstack_WarnsWithTheKnownFailure()
    {
        var options = new SandboxOptions { NetworkMode = "egress", Runtimes = new Dictionary<string, string> { ["run"] = "runsc-netstack" } };

        var finding = Assert.Single(SandboxRuntimeCheck.Check(options, Registered));

        Assert.False(finding.Fatal);
        Assert.Equal("webhook.sandbox.runtimes.run", finding.Key);
        Assert.Contains("cannot run with network enabled in root network namespace", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_EngineDefaultIsGVisorWithoutNetworkAndRunUsesEgress_Fatal()
    {
        var engine = Registered with { DefaultRuntime = "runsc" };

        var finding = Assert.Single(SandboxRuntimeCheck.Check(new SandboxOptions { NetworkMode = "egress" }, engine));

        Assert.True(finding.Fatal);
        Assert.Equal("webhook.sandbox.runtime", finding.Key);
    }

    [Theory]
    [InlineData(new[] { "--platform=ptrace", "--network=none" }, "none")]
    [InlineData(new[] { "--network", "host" }, "host")]
    [InlineData(new[] { "-network=host" }, "host")]
    [InlineData(new[] { "--platform=ptrace" }, "sandbox")]
    public void GVisorNetwork_RuntimeArguments_ParsedLikeRunsc(string[] arguments, string expected) =>
        Assert.Equal(expected, new EngineRuntime("/usr/bin/runsc", arguments).GVisorNetwork);
}
