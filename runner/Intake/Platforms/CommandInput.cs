using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// The command part of a payload, kept unparsed until the caller has been admitted: chat text or a comment body
/// (already known to be addressed to us), or fields that arrive split (Discord options, the JSON API, mapped events).
/// </summary>
internal abstract record CommandInput
{
    private CommandInput()
    {
    }

    public abstract CommandLineResult Parse(CommandLineParser parser);

    public sealed record Text(string? Value, bool RequirePrefix) : CommandInput
    {
        public override CommandLineResult Parse(CommandLineParser parser) => parser.Parse(Value, RequirePrefix);
    }

    public sealed record Parts(string? Command, IReadOnlyList<string> Args, string? ProjectHint) : CommandInput
    {
        public override CommandLineResult Parse(CommandLineParser parser) => parser.FromParts(Command, Args, ProjectHint);
    }
}
