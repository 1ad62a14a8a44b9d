namespace Codeur.EngineBroker.Requests;

/// <summary>
/// A request the broker does not admit. <see cref="Field"/> names what was wrong (a JSON path, a query parameter,
/// the route); the message never carries the value the client sent.
/// </summary>
internal sealed class EngineRequestRefusedException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
