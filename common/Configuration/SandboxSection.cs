namespace Codeur.Configuration;

/// <summary>The container every task runs in. Defaults are the strict ones; loosening is explicit.</summary>
public sealed class SandboxSection
{
    public string Image { get; set; } = "codeur/sandbox:latest";
    public string Memory { get; set; } = "2g";
    public double Cpus { get; set; } = 2;
    public long Pids { get; set; } = 512;
    public string Network { get; set; } = "none";

    /// <summary>Argv templates per command; <c>{task}</c> is replaced by the task text as one argument.</summary>
    public Dictionary<string, List<string>> Commands { get; set; } = [];
}
