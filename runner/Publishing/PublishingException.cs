namespace Codeur.Runner.Publishing;

/// <summary>A forge call failed; the message is for the task's user.</summary>
internal sealed class PublishingException(string message) : Exception(message);
