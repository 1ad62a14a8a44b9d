namespace Codeur.EngineBroker.Requests;

/// <summary>The Engine API calls the runner makes; nothing else has a value here.</summary>
internal enum EngineOperation
{
    Ping,
    Version,
    List,
    Create,
    Inspect,
    Start,
    Attach,
    Wait,
    Kill,
    Remove,
}
