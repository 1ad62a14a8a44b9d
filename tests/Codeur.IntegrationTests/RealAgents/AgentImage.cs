namespace Codeur.IntegrationTests.RealAgents;

/// <summary>
/// An agent image built from the real npm package by <c>deploy/agents/build-offline.sh</c> (content-hash tag, so a
/// second build is a no-op; <c>tests/run.sh</c> builds it before the suite). <c>CODEUR_AGENT_IMAGE_&lt;NAME&gt;</c>
/// names a prebuilt image instead.
/// </summary>
internal static class AgentImage
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, string> Built = new(StringComparer.Ordinal);

    public static async Task<string> RequireAsync(string agent)
    {
        var variable = "CODEUR_AGENT_IMAGE_" + agent.ToUpperInvariant().Replace('-', '_');
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given)
        {
            return given;
        }

        await Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (Built.TryGetValue(agent, out var tag))
            {
                return tag;
            }

            var script = Path.Combine(Sandbox.Agents.FakeAgentImage.RepositoryRoot, "deploy", "agents", "build-offline.sh");
            var (code, output) = await Sandbox.Agents.FakeAgentImage.RunAsync(script, [agent], TimeSpan.FromMinutes(10));
            Assert.True(code == 0, $"building the {agent} image failed ({code}): {output}");
            tag = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Last(l => l.StartsWith("codeur/agent-", StringComparison.Ordinal));
            Built[agent] = tag;
            return tag;
        }
        finally
        {
            Gate.Release();
        }
    }
}
