namespace Codeur.Runner.Sandbox;

/// <summary>
/// Maps a chat command to the argv the container runs. The built-ins call the image's <c>codeur-tool</c>; <c>run</c>
/// uses <c>sandbox.commands.run</c>. <c>{task}</c> is replaced inside single argv elements, so the task text stays
/// one argument whatever quotes, semicolons or <c>$(...)</c> it contains: there is no shell to interpret them.
/// </summary>
internal sealed class SandboxCommands(IReadOnlyDictionary<string, IReadOnlyList<string>> templates)
{
    public const string TaskPlaceholder = "{task}";
    public const string Tool = "codeur-tool";

    private static readonly Dictionary<string, string[]> BuiltIn = new(StringComparer.Ordinal)
    {
        ["analyze"] = [Tool, "analyze"],
        ["search"] = [Tool, "search", TaskPlaceholder],
        ["status"] = [Tool, "status"],
    };

    public SandboxCommands(SandboxOptions options)
        : this(options.Commands)
    {
    }

    /// <summary>Builds the argv, or says why there is none (unknown command, no agent configured, missing argument).</summary>
    public bool TryBuild(string command, IReadOnlyList<string> arguments, out IReadOnlyList<string> argv, out string error)
    {
        argv = [];
        IReadOnlyList<string>? template = templates.TryGetValue(command, out var configured) ? configured : null;
        if (template is null && BuiltIn.TryGetValue(command, out var builtIn))
        {
            template = builtIn;
        }

        if (template is null)
        {
            error = command == "run"
                ? "no agent configured: set webhook.sandbox.commands.run to the agent's argv, e.g. [\"agent\", \"--message\", \"{task}\"]"
                : $"command '{command}' does not run in a sandbox";
            return false;
        }

        var task = string.Join(' ', arguments);
        var usesTask = template.Any(part => part.Contains(TaskPlaceholder, StringComparison.Ordinal));
        if (usesTask && string.IsNullOrWhiteSpace(task))
        {
            error = command == "search" ? "search needs a query" : $"'{command}' needs a task text";
            return false;
        }

        argv = Substitute(template, task);
        error = "";
        return true;
    }

    public static string[] Substitute(IReadOnlyList<string> template, string task)
    {
        var argv = new string[template.Count];
        for (var i = 0; i < argv.Length; i++)
        {
            argv[i] = template[i].Replace(TaskPlaceholder, task, StringComparison.Ordinal);
        }

        return argv;
    }
}
