using System.Globalization;
using System.Text.RegularExpressions;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Systemd;

/// <summary>deploy/systemd units: the sandboxing the issue asks for, and systemd's own offline security analysis.</summary>
public sealed partial class SystemdUnitTests
{
    public static TheoryData<string> Units => ["codeur-gateway.service", "codeur-runner.service"];

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_Sandboxing_DedicatedUserAndProtections(string unit)
    {
        var service = Section(unit, "Service");

        Assert.Equal(["AGENT_CONFIG=/etc/codeur/agent.yaml", "DOTNET_EnableDiagnostics=0"], service["Environment"]);
        Assert.Equal(["yes"], service["NoNewPrivileges"]);
        Assert.Equal(["strict"], service["ProtectSystem"]);
        Assert.Equal(["yes"], service["ProtectHome"]);
        Assert.Equal(["yes"], service["PrivateTmp"]);
        Assert.Equal([""], service["CapabilityBoundingSet"]);
        var user = Assert.Single(service["User"]);
        Assert.StartsWith("codeur-", user, StringComparison.Ordinal);
        Assert.Equal(user, Assert.Single(service["Group"]));
        Assert.StartsWith("/opt/codeur/", Assert.Single(service["ExecStart"]), StringComparison.Ordinal);
        Assert.DoesNotContain("MemoryDenyWriteExecute", service.Keys); // the .NET JIT needs it off
    }

    [Fact]
    public void Units_SeparateEnvironmentFiles_GatewayNeverReadsTheRunners()
    {
        var gateway = Section("codeur-gateway.service", "Service");
        var runner = Section("codeur-runner.service", "Service");

        Assert.Equal(["-/etc/codeur/gateway.env"], gateway["EnvironmentFile"]);
        Assert.Equal(["-/etc/codeur/runner.env"], runner["EnvironmentFile"]);

        // install.sh writes the reply credentials to the runner's file only.
        var install = File.ReadAllText(Repo.Path("deploy", "systemd", "install.sh"));
        var gatewayVariables = GatewayVariables().Match(install);
        Assert.True(gatewayVariables.Success, "install.sh names the gateway's variables");
        var names = gatewayVariables.Groups["names"].Value.Split('|');
        Assert.Contains("GITHUB_WEBHOOK_SECRET", names);
        foreach (var runnerOnly in new[] { "GITHUB_TOKEN", "SLACK_BOT_TOKEN", "DISCORD_BOT_TOKEN" })
        {
            Assert.DoesNotContain(runnerOnly, names);
        }
    }

    [Fact]
    public void RunnerUnit_DockerGroupAndAStateDirectoryForTheQueue()
    {
        var service = Section("codeur-runner.service", "Service");

        Assert.Equal(["docker"], service["SupplementaryGroups"]);
        Assert.Equal(["codeur"], service["StateDirectory"]);
        Assert.Equal(["/var/lib/codeur"], service["WorkingDirectory"]);
        Assert.Contains("queue: {backend: sqlite, path: /var/lib/codeur/codeur.db}", File.ReadAllText(Repo.Path("deploy", "systemd", "agent.yaml")), StringComparison.Ordinal);
        Assert.DoesNotContain("SupplementaryGroups", Section("codeur-gateway.service", "Service").Keys);
    }

    /// <summary>The spool outlives `systemctl restart codeur-runner` and the gateway's own restarts: a private state directory.</summary>
    [Fact]
    public void GatewayUnit_AStateDirectoryForTheSpool_AndNoDependencyThatRestartsItWithTheRunner()
    {
        var unit = Section("codeur-gateway.service", "Unit");
        var service = Section("codeur-gateway.service", "Service");

        Assert.Equal(["codeur-gateway"], service["StateDirectory"]);
        Assert.Equal(["0700"], service["StateDirectoryMode"]);
        Assert.Contains("spool: {backend: file, path: /var/lib/codeur-gateway/spool}", File.ReadAllText(Repo.Path("deploy", "systemd", "agent.yaml")), StringComparison.Ordinal);
        Assert.DoesNotContain("BindsTo", unit.Keys);
        Assert.DoesNotContain("PartOf", unit.Keys);
        Assert.DoesNotContain("Requires", unit.Keys);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Unit_SystemdAnalyzeSecurity_ExposureAtMostTwo(string unit)
    {
        if (Tool.Find("systemd-analyze") is null)
        {
            Requirement.Unmet("systemd-analyze not found");
        }

        var result = await Tool.RunAsync("systemd-analyze", ["security", "--offline=yes", "--no-pager", Repo.Path("deploy", "systemd", unit)], TimeSpan.FromMinutes(1), cancellationToken: TestContext.Current.CancellationToken);

        var match = ExposureLine().Match(result.Output);
        Assert.True(match.Success, result.Output + result.Error);
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"{unit}: exposure {exposure} (systemd's scale: 0 best, 10 worst)");
    }

    private static Dictionary<string, List<string>> Section(string unit, string name)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var current = "";
        foreach (var raw in File.ReadAllLines(Repo.Path("deploy", "systemd", unit)))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                current = line.Trim('[', ']');
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (current == name && equals > 0)
            {
                var key = line[..equals];
                if (!values.TryGetValue(key, out var list))
                {
                    values[key] = list = [];
                }

                list.Add(line[(equals + 1)..]);
            }
        }

        return values;
    }

    [GeneratedRegex(@"Overall exposure level for \S+: ([0-9.]+)")]
    private static partial Regex ExposureLine();

    [GeneratedRegex(@"gateway_vars='\^\((?<names>[A-Z_|]+)\)='")]
    private static partial Regex GatewayVariables();
}
