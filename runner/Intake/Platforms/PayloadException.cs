namespace Codeur.Runner.Intake.Platforms;

/// <summary>Raised inside a parser for a field that breaks a limit; the parser's entry point turns it into a 400. Never escapes a parser.</summary>
internal sealed class PayloadException(string message) : Exception(message);
