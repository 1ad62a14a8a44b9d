namespace Codeur.Deploy.Tests.Infrastructure;

/// <summary>The docker and docker-compose CLIs, with the availability rule for Docker-based deploy tests.</summary>
internal static class Docker
{
    public static async Task RequireEngineAsync()
    {
        if (Tool.Find("docker") is null)
        {
            Requirement.Unmet("docker CLI not found");
        }

        var info = await Tool.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(30));
        if (info.ExitCode != 0)
        {
            Requirement.Unmet("Docker engine not reachable: " + info.Error.Trim());
        }
    }

    public static Task<ToolResult> RunAsync(params string[] arguments) => Tool.RunAsync("docker", arguments, TimeSpan.FromMinutes(2));

    /// <summary>The group id owning the engine socket (the proxy joins it).</summary>
    public static async Task<string> SocketGroupAsync()
    {
        var result = await Tool.RunAsync("stat", ["-c", "%g", "/var/run/docker.sock"], TimeSpan.FromSeconds(10));
        return result.ExitCode == 0 ? result.Output.Trim() : "0";
    }
}
