namespace Codeur.Runner.Platforms;

/// <summary>The body encodings the platforms use.</summary>
internal enum BodyKind
{
    Json,
    Form,
}
