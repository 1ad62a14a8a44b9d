using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class SandboxSectionTests
{
    [Fact]
    public void Load_SandboxExtensions_MappedFromSnakeCase()
    {
        const string yaml = """
            webhook:
              sandbox:
                image: "custom/agent:1"
                user: "2000:2000"
                tmp_size: 32m
                output_limit: 1m
                max_file_size: 512m
                nofile: 256
                log_max_size: 2m
                project_roots: ["/srv/projects", "~/code"]
                runtime: runsc
                runtimes: {run: runsc-hostinet, search: runc}
                sweep_interval: 30
            """;

        var sandbox = AgentConfigLoader.Load(yaml, _ => null).Webhook.Sandbox;

        Assert.Equal("2000:2000", sandbox.User);
        Assert.Equal("32m", sandbox.TmpSize);
        Assert.Equal("1m", sandbox.OutputLimit);
        Assert.Equal("512m", sandbox.MaxFileSize);
        Assert.Equal(256, sandbox.Nofile);
        Assert.Equal("2m", sandbox.LogMaxSize);
        Assert.Equal(["/srv/projects", "~/code"], sandbox.ProjectRoots);
        Assert.Equal("runsc", sandbox.Runtime);
        Assert.Equal(new Dictionary<string, string> { ["run"] = "runsc-hostinet", ["search"] = "runc" }, sandbox.Runtimes);
        Assert.Equal(30, sandbox.SweepInterval);
    }

    [Theory]
    [InlineData("user: \"0:0\"", "webhook.sandbox.user")]
    [InlineData("user: root", "webhook.sandbox.user")]
    [InlineData("user: \"0\"", "webhook.sandbox.user")]
    [InlineData("tmp_size: lots", "webhook.sandbox.tmp_size")]
    [InlineData("output_limit: 10", "webhook.sandbox.output_limit")]
    [InlineData("project_roots: [relative/dir]", "webhook.sandbox.project_roots[0]")]
    [InlineData("runtime: \"runsc; rm\"", "webhook.sandbox.runtime")]
    [InlineData("runtimes: {run: \"--privileged\"}", "webhook.sandbox.runtimes.run")]
    [InlineData("runtimes: {cancel: runsc}", "webhook.sandbox.runtimes.cancel")]
    [InlineData("runtimes: {deploy: runsc}", "webhook.sandbox.runtimes.deploy")]
    [InlineData("project_roots: [\"~other/x\"]", "webhook.sandbox.project_roots[0]")]
    [InlineData("sweep_interval: 1", "webhook.sandbox.sweep_interval")]
    public void Load_InvalidSandboxValue_FailsNamingKey(string line, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  sandbox:\n    {line}\n", _ => null));

        Assert.Contains(error.Errors, e => e.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_RelativeForbiddenPath_FailsNamingIndex()
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load("webhook:\n  forbidden_paths: [\"/etc\", \"secrets\"]\n", _ => null));

        Assert.Contains(error.Errors, e => e.StartsWith("webhook.forbidden_paths[1]", StringComparison.Ordinal));
    }
}
