namespace Codeur.Runner.Platforms;

/// <summary>Reads one platform's webhook payloads. Pure: no I/O, no exceptions for bad input.</summary>
internal interface IPlatformParser
{
    /// <summary>github, slack, discord or api.</summary>
    string Platform { get; }

    IntakeResult Parse(PlatformRequest request);
}
