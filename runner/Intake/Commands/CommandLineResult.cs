namespace Codeur.Runner.Intake.Commands;

/// <summary>
/// What <see cref="CommandLineParser"/> made of a text: not addressed to us (no prefix), a command line, or an
/// error to show the requester. Exactly one of <see cref="Line"/> and <see cref="Error"/> is set unless the
/// text is not a command.
/// </summary>
internal sealed record CommandLineResult
{
    private CommandLineResult()
    {
    }

    public static CommandLineResult NotACommand { get; } = new();

    public CommandLine? Line { get; private init; }

    public IntakeError? Error { get; private init; }

    public bool IsCommand => Line is not null || Error is not null;

    public static CommandLineResult Parsed(CommandLine line) => new() { Line = line };

    public static CommandLineResult Failed(IntakeError error) => new() { Error = error };
}
