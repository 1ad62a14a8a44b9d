using Codeur.Configuration;

namespace Codeur.Runner.Intake.Commands;

/// <summary>
/// Turns chat text, a comment body or structured command fields into a <see cref="CommandLine"/>: prefix,
/// sanitising, shell-like splitting (never a shell), <c>--project</c> extraction, command word and length checks.
/// Errors are results, never exceptions. Whether the command is allowed is the pipeline's next step.
/// </summary>
internal sealed class CommandLineParser(IntakeSettings settings)
{
    private const string ProjectOption = "--project";

    public IntakeSettings Settings => settings;

    /// <summary>
    /// Parses <c>!agent &lt;command&gt; [args]</c>. With <paramref name="requirePrefix"/> false (Slack slash
    /// commands, mentions) the prefix may be left out; with it true, text without the prefix is not a command.
    /// </summary>
    public CommandLineResult Parse(string? text, bool requirePrefix = true)
    {
        var clean = TextSanitizer.Sanitize(text ?? "").Trim();
        var rest = StripPrefix(clean);
        if (rest is null)
        {
            if (requirePrefix)
            {
                return CommandLineResult.NotACommand;
            }

            rest = clean;
        }

        rest = rest.Trim();
        if (rest.Length > settings.MaxTaskLength)
        {
            return CommandLineResult.Failed(TooLong(rest.Length));
        }

        var words = ShellWords.Split(rest, out var splitError);
        if (words is null)
        {
            return CommandLineResult.Failed(IntakeError.Unprocessable(splitError!));
        }

        string? hint = null;
        var args = new List<string>(words.Count);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            string? value = null;
            if (word == ProjectOption)
            {
                if (i + 1 >= words.Count)
                {
                    return CommandLineResult.Failed(IntakeError.Unprocessable("--project needs a project name"));
                }

                value = words[++i];
            }
            else if (word.StartsWith(ProjectOption + "=", StringComparison.Ordinal))
            {
                value = word[(ProjectOption.Length + 1)..];
            }

            if (value is null)
            {
                args.Add(word);
                continue;
            }

            value = value.Trim();
            if (value.Length == 0 || (hint is not null && hint != value))
            {
                return CommandLineResult.Failed(IntakeError.Unprocessable("--project needs exactly one project name"));
            }

            hint = value;
        }

        // The command is the first word that is not the --project option, so "!agent --project api run x" works too.
        if (args.Count == 0)
        {
            return CommandLineResult.Failed(IntakeError.Unprocessable($"missing command; allowed: {settings.AllowedCommandList}"));
        }

        var command = args[0];
        args.RemoveAt(0);
        return Validate(command, args, hint);
    }

    /// <summary>
    /// Checks command fields that arrive already split (Discord options, the JSON API): the same sanitising,
    /// command and length rules as typed text, without any quote processing.
    /// </summary>
    public CommandLineResult FromParts(string? command, IEnumerable<string> args, string? projectHint)
    {
        var cleanArgs = args.Select(a => TextSanitizer.Sanitize(a).Trim()).Where(a => a.Length > 0).ToList();
        var length = cleanArgs.Sum(a => a.Length + 1);
        if (length > settings.MaxTaskLength)
        {
            return CommandLineResult.Failed(TooLong(length));
        }

        var hint = projectHint is null ? null : TextSanitizer.Sanitize(projectHint).Trim();
        return Validate(TextSanitizer.Sanitize(command ?? "").Trim(), cleanArgs, string.IsNullOrEmpty(hint) ? null : hint);
    }

    private CommandLineResult Validate(string command, List<string> args, string? hint)
    {
        var word = command.ToLowerInvariant();
        if (word.Length == 0)
        {
            return CommandLineResult.Failed(IntakeError.Unprocessable($"missing command; allowed: {settings.AllowedCommandList}"));
        }

        if (!AgentConfigValidator.KnownCommands.Contains(word))
        {
            // Never echo more than a word's worth of what was typed.
            var shown = word.Length > 32 ? word[..32] + "…" : word;
            return CommandLineResult.Failed(IntakeError.Unprocessable($"unknown command '{shown}'; allowed: {settings.AllowedCommandList}"));
        }

        if (hint is { Length: > 128 })
        {
            return CommandLineResult.Failed(IntakeError.Unprocessable("--project name is too long"));
        }

        return CommandLineResult.Parsed(new CommandLine(word, args, hint));
    }

    /// <summary>Whether chat text or a comment starts with the command prefix: addressed to us, whoever wrote it.</summary>
    public bool IsAddressed(string? text) => StripPrefix(TextSanitizer.Sanitize(text ?? "").Trim()) is not null;

    private string? StripPrefix(string text)
    {
        var prefix = settings.CommandPrefix;
        if (!text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // "!agents" or "!agentrun" is not our prefix.
        if (text.Length > prefix.Length && !char.IsWhiteSpace(text[prefix.Length]))
        {
            return null;
        }

        return text[prefix.Length..];
    }

    public static IntakeError CommandNotAllowed(string command, IntakeSettings settings) =>
        IntakeError.Unprocessable($"command '{command}' is not allowed; allowed: {settings.AllowedCommandList}");

    private IntakeError TooLong(int length) =>
        IntakeError.Unprocessable($"task text is {length} characters; the limit is {settings.MaxTaskLength}");
}
