namespace Codeur.Runner.Sandbox;

/// <summary>One registered OCI runtime: the binary and the arguments the engine passes it.</summary>
internal sealed record EngineRuntime(string Path, IReadOnlyList<string> Arguments)
{
    /// <summary>gVisor: the engine runs <c>runsc</c> (whatever name it was registered under).</summary>
    public bool IsGVisor => System.IO.Path.GetFileName(Path) == "runsc";

    /// <summary>
    /// The value of runsc's <c>--network</c> flag: <c>none</c> (no network at all), <c>host</c> (the host kernel's stack,
    /// inside the container's own namespace) or <c>sandbox</c> (gVisor's netstack, runsc's default).
    /// </summary>
    public string GVisorNetwork
    {
        get
        {
            var network = "sandbox";
            for (var i = 0; i < Arguments.Count; i++)
            {
                var argument = Arguments[i].StartsWith("--", StringComparison.Ordinal) ? Arguments[i][1..] : Arguments[i];
                if (argument.StartsWith("-network=", StringComparison.Ordinal))
                {
                    network = argument["-network=".Length..];
                }
                else if (argument == "-network" && i + 1 < Arguments.Count)
                {
                    network = Arguments[++i];
                }
            }

            return network;
        }
    }
}
