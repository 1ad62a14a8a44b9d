namespace Codeur.IntegrationTests.RealAgents;

/// <summary>One request a scripted model server received: <c>"METHOD /path?query"</c>, its headers and its body.</summary>
internal sealed record ModelRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body);
