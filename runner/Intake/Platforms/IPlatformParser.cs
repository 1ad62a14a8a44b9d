using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// Reads one platform's webhook payloads: who sent it, from where, and the command input, which is parsed only after
/// the caller is admitted. Pure: no I/O, no exceptions for bad input. <paramref name="commands"/> carries the current
/// settings (prefix, GitHub events), so a reload applies to the next request.
/// </summary>
internal interface IPlatformParser
{
    /// <summary>github, slack, discord or api.</summary>
    string Platform { get; }

    IntakeResult Parse(PlatformRequest request, CommandLineParser commands);
}
