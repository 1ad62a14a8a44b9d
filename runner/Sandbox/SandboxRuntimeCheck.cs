using Codeur.Configuration;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// Holds the configured runtimes (<c>sandbox.runtime</c>, <c>sandbox.runtimes</c>) against what the engine has registered,
/// so a runtime that cannot work fails the start, naming its key, instead of every task at run time.
/// </summary>
/// <remarks>
/// gVisor needs more than a registration when the agent's container joins a network (<c>network: egress</c> or
/// <c>bridge</c>): runsc registered with <c>--network=none</c> refuses such a container outright (fatal). With Debian 12's
/// runsc (20221219) on kernel 6.x, measured: gVisor's own network stack (runsc's default) fails to start
/// (google/gvisor#10704), and <c>--network=host</c> starts but blocking socket reads fail with EAGAIN. Neither can be told
/// from <c>docker info</c> (no version), so both are warnings naming the key; the remedy is <c>runtimes: {run: runc}</c>.
/// </remarks>
internal static class SandboxRuntimeCheck
{
    public static IReadOnlyList<RuntimeFinding> Check(SandboxOptions options, EngineRuntimes engine)
    {
        var findings = new List<RuntimeFinding>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in AgentConfigValidator.SandboxedCommands)
        {
            var key = options.RuntimeKeyFor(command);
            var name = options.RuntimeFor(command) ?? engine.DefaultRuntime;
            if (!engine.Registered.TryGetValue(name, out var runtime))
            {
                if (reported.Add(key))
                {
                    findings.Add(new(key, $"runtime '{name}' is not registered with the Docker engine (registered: "
                        + string.Join(", ", engine.Registered.Keys.Order(StringComparer.Ordinal))
                        + "); register it (deploy/ensure-runsc.sh registers gVisor as runsc) or name a registered one", Fatal: true));
                }

                continue;
            }

            // Only the agent's own container ever joins a network: run's, and analyze's when it is a review by the agent
            // (worktree steps and the other commands stay on none).
            var agentCommand = command == ContainerSpecBuilder.WritingCommand || (command == "analyze" && options.DefaultReviewPrompt is not null);
            if (!agentCommand || options.NetworkFor(agentRun: true) == "none" || !runtime.IsGVisor)
            {
                continue;
            }

            var where = $"the agent's container joins a network (webhook.sandbox.network: {options.NetworkMode})";
            var fix = command == ContainerSpecBuilder.WritingCommand
                ? "set webhook.sandbox.runtimes.run: runc"
                : "set webhook.sandbox.runtimes.analyze: runc (or webhook.sandbox.review: false)";
            switch (runtime.GVisorNetwork)
            {
                case "none":
                    findings.Add(new(key, $"runtime '{name}' is gVisor registered with --network=none, which refuses any container with a network, and {where}; "
                        + fix + " (the other commands can stay on gVisor)", Fatal: true));
                    break;
                case "sandbox":
                    findings.Add(new(key, $"runtime '{name}' is gVisor with its own network stack and {where}: runsc releases before mid-2024 fail to start such "
                        + "containers on current kernels ('cannot run with network enabled in root network namespace', google/gvisor#10704); "
                        + "if its tasks fail that way, " + fix, Fatal: false));
                    break;
                default:
                    findings.Add(new(key, $"runtime '{name}' is gVisor with --network={runtime.GVisorNetwork} and {where}: with runsc 20221219 (Debian 12) "
                        + "blocking socket reads fail with 'Resource temporarily unavailable' in that mode; if the agent's network calls fail, "
                        + fix, Fatal: false));
                    break;
            }
        }

        return findings;
    }
}
