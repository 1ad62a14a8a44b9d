using System.Diagnostics;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>The docker CLI, for assertions made from outside the system under test (containers left behind).</summary>
public static class DockerCli
{
    public static async Task<IReadOnlyList<string>> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    public static Task<IReadOnlyList<string>> ContainersOfAsync(string instanceId) =>
        RunAsync("ps", "-aq", "--filter", $"label=codeur.runner={instanceId}");
}
