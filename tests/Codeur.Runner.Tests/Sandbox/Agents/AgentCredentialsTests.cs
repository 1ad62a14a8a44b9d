using Codeur.Configuration;
using Codeur.Runner.Sandbox.Agents;

namespace Codeur.Runner.Tests.Sandbox.Agents;

public sealed class AgentCredentialsTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["ANTHROPIC_API_KEY"] = "sk-ant-secret-value-1",
        ["OPENAI_API_KEY"] = "",
        ["AIDER_MODEL"] = "sonnet",
        ["EXTRA_TOKEN"] = "extra-secret-2",
        ["SHORT"] = "abc",
        ["UNRELATED"] = "never-passed",
    };

    [Fact]
    public void FromConfig_Preset_PassesSetVariablesOnlyAndMasksOnlySecrets()
    {
        var sandbox = new SandboxSection { Agent = "aider", Env = ["EXTRA_TOKEN", "SHORT"] };

        var credentials = AgentCredentials.FromConfig(sandbox, name => Environment.GetValueOrDefault(name));

        Assert.Equal(
            ["ANTHROPIC_API_KEY=sk-ant-secret-value-1", "EXTRA_TOKEN=extra-secret-2", "SHORT=abc", "AIDER_MODEL=sonnet"],
            credentials.Environment);
        // The model name is a setting, not a secret; a 3-character value is too short to mask sensibly.
        Assert.Equal(["sk-ant-secret-value-1", "extra-secret-2"], credentials.SecretValues);
        Assert.Contains("OPENAI_API_KEY", credentials.Missing);
        Assert.DoesNotContain(credentials.Environment, e => e.StartsWith("UNRELATED=", StringComparison.Ordinal));
    }

    [Fact]
    public void FromConfig_NoAgentNoEnv_PassesNothing()
    {
        var credentials = AgentCredentials.FromConfig(new SandboxSection(), name => Environment.GetValueOrDefault(name));

        Assert.Empty(credentials.Environment);
        Assert.Empty(credentials.SecretValues);
    }
}
