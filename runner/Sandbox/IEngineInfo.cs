namespace Codeur.Runner.Sandbox;

/// <summary>What the engine says about itself, for start-up checks.</summary>
internal interface IEngineInfo
{
    Task<EngineRuntimes> GetRuntimesAsync(CancellationToken cancellationToken);
}
