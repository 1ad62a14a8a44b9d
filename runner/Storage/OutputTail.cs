namespace Codeur.Runner.Storage;

/// <summary>
/// The end of an output kept in object storage, as the task API and replies show it: <see cref="Text"/> is the tail
/// (null when the object could not be read, <see cref="Error"/> says why); <see cref="Truncated"/> when it is less
/// than the whole output.
/// </summary>
internal sealed record OutputTail(string? Text, bool Truncated, string? Error);
