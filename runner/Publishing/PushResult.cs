namespace Codeur.Runner.Publishing;

/// <summary>The push container's outcome; <see cref="Output"/> has the forge credential masked.</summary>
internal sealed record PushResult(bool Pushed, string? Error, string Output);
