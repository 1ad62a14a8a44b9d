using System.Text.Json;

namespace Codeur.Reliability.Tests.Infrastructure;

/// <summary>
/// Switches and figures shared by the suite. <c>CODEUR_RELIABILITY_SOAK=1</c> scales every part up (longer corpus,
/// bigger burst) for a soak outside CI. Each test appends its figures as one JSON line to
/// <c>$CODEUR_RELIABILITY_REPORT</c> (default <c>/tmp/codeur-reliability/figures.jsonl</c>) and to the test output,
/// which is where docs/RELIABILITY.md takes them from.
/// </summary>
public static class Suite
{
    private static readonly Lock Gate = new();

    public static bool Soak => Environment.GetEnvironmentVariable("CODEUR_RELIABILITY_SOAK") == "1";

    public static int Scale(int ci, int soak) => Soak ? soak : ci;

    public static string ReportPath =>
        Environment.GetEnvironmentVariable("CODEUR_RELIABILITY_REPORT") is { Length: > 0 } path ? path : "/tmp/codeur-reliability/figures.jsonl";

    public static void Report(string part, object figures)
    {
        var line = JsonSerializer.Serialize(new { part, at = DateTimeOffset.UtcNow, soak = Soak, figures });
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ReportPath)!);
            File.AppendAllText(ReportPath, line + "\n");
        }
    }

    /// <summary>Docker tests fail without an engine when CI asks for everything (<c>CODEUR_REQUIRE_DOCKER=1</c>), else skip loudly.</summary>
    public static async Task RequireDockerAsync()
    {
        var info = await Codeur.IntegrationTests.EndToEnd.DockerCli.RunAsync("version", "--format", "{{.Server.Version}}");
        if (info.Count > 0)
        {
            return;
        }

        const string reason = "Docker engine not reachable (docker version shows no server)";
        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1")
        {
            Assert.Fail(reason + " (CODEUR_REQUIRE_DOCKER=1, so this is a failure, not a skip)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Peak resident set size (VmHWM) of a process, in MiB.</summary>
    public static double PeakRssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }

    public static async Task<IReadOnlyList<JsonElement>> AuditAsync(string path)
    {
        // The audit writer drains off the request path: give it a moment.
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var lines = new List<JsonElement>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return lines;
    }
}
