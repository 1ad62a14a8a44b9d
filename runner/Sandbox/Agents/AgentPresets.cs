using System.Collections.Frozen;
using Codeur.Configuration;

namespace Codeur.Runner.Sandbox.Agents;

/// <summary>
/// The presets <c>sandbox.agent</c> can name. Each argv runs the CLI in its documented non-interactive mode, with
/// approvals that would wait for a human turned off: the container is the sandbox (no network but the allowlisting
/// proxy, only the project mounted, caps, deadline), so the CLI's own prompts would only hang the task.
/// </summary>
internal static class AgentPresets
{
    public static readonly FrozenDictionary<string, AgentPreset> All = new AgentPreset[]
    {
        // `claude -p` prints the final answer and exits. bypassPermissions, not acceptEdits: Claude Code treats every
        // path under .git/ as a sensitive file that acceptEdits still refuses, and our worktrees live in
        // .git/codeur/worktrees/ (measured with the real CLI: ClaudeCodeTests). As with codex and gemini, the container
        // is the sandbox; the CLI refuses this mode as root, and we never run as root.
        new("claude-code", ["claude", "-p", "{task}", "--permission-mode", "bypassPermissions", "--output-format", "text"],
            Credentials: ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"],
            Settings: ["ANTHROPIC_MODEL", "ANTHROPIC_BASE_URL"],
            EgressHosts: ["api.anthropic.com"],
            Recipe: "deploy/agents/claude-code"),

        // `codex exec` streams progress to stderr and the last message to stdout. Its own Landlock/seccomp sandbox
        // is redundant inside ours and needs kernel features containers often lack, so it is turned off explicitly.
        new("codex", ["codex", "exec", "--sandbox", "danger-full-access", "--skip-git-repo-check", "{task}"],
            Credentials: ["OPENAI_API_KEY", "CODEX_API_KEY"],
            Settings: ["OPENAI_BASE_URL"],
            EgressHosts: ["api.openai.com"],
            Recipe: "deploy/agents/codex"),

        // Aider: one message, answer yes to every question, no update check, plain output for logs. It commits its
        // own edits on the task branch.
        new("aider", ["aider", "--message", "{task}", "--yes-always", "--no-check-update", "--no-pretty", "--no-stream", "--no-show-model-warnings"],
            Credentials: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY"],
            Settings: ["AIDER_MODEL"],
            EgressHosts: ["api.anthropic.com", "api.openai.com"],
            Recipe: "deploy/agents/aider"),

        // Gemini CLI: -p is its non-interactive prompt; --yolo approves its tool calls (asking is "deny" headless).
        // GOOGLE_GEMINI_BASE_URL points it at a private model gateway (it then sends GEMINI_API_KEY as x-goog-api-key
        // there; measured with the real CLI: GeminiTests).
        new("gemini", ["gemini", "-p", "{task}", "--yolo"],
            Credentials: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            Settings: ["GEMINI_MODEL", "GOOGLE_GEMINI_BASE_URL"],
            EgressHosts: ["generativelanguage.googleapis.com"],
            Recipe: "deploy/agents/gemini"),

        // OpenHands CLI headless mode (always approves); --override-with-envs makes it read LLM_* from the environment.
        new("openhands", ["openhands", "--headless", "--override-with-envs", "-t", "{task}"],
            Credentials: ["LLM_API_KEY"],
            Settings: ["LLM_MODEL", "LLM_BASE_URL"],
            EgressHosts: ["api.anthropic.com", "api.openai.com"],
            Recipe: "deploy/agents/openhands"),
    }.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);

    static AgentPresets()
    {
        // The config validator (in common) keeps its own list of names: they must not drift apart.
        if (!All.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(AgentConfigValidator.KnownAgents))
        {
            throw new InvalidOperationException("AgentPresets and AgentConfigValidator.KnownAgents list different agents");
        }
    }

    public static AgentPreset? Find(string? name) => name is not null && All.TryGetValue(name, out var preset) ? preset : null;
}
