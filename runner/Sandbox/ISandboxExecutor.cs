namespace Codeur.Runner.Sandbox;

/// <summary>Runs one task in one fresh container and always removes it. What the (future) worker loop calls.</summary>
internal interface ISandboxExecutor
{
    /// <summary>
    /// Runs the task to one of the <see cref="SandboxEnding"/>s. Cancelling <paramref name="cancellationToken"/>
    /// kills the container and ends <see cref="SandboxEnding.Cancelled"/>.
    /// </summary>
    /// <exception cref="ContainerEngineUnavailableException">Docker is down; nothing ran, retry later.</exception>
    /// <exception cref="SandboxImageMissingException">The image is not on the engine; nothing ran.</exception>
    Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken);
}
