namespace Codeur.Runner.Intake.Platforms;

/// <summary>The body encodings the platforms use.</summary>
internal enum BodyKind
{
    Json,
    Form,
}
