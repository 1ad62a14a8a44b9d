using Docker.DotNet;
using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// The few container-engine operations the sandbox needs. Every method is bounded by a timeout as well as the
/// token (except <see cref="WaitAsync"/>, which the caller bounds with the task's deadline). Failures to reach the
/// engine surface as <see cref="ContainerEngineUnavailableException"/>, a missing image as
/// <see cref="SandboxImageMissingException"/>.
/// </summary>
internal interface IContainerRuntime
{
    Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken);

    Task<string> CreateAsync(CreateContainerParameters parameters, CancellationToken cancellationToken);

    Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken cancellationToken);

    /// <summary>Attaches to stdout and stderr; call before <see cref="StartAsync"/> so no output is lost.</summary>
    Task<MultiplexedStream> AttachAsync(string id, CancellationToken cancellationToken);

    Task StartAsync(string id, CancellationToken cancellationToken);

    /// <summary>Blocks until the container is no longer running and returns its exit code.</summary>
    Task<long> WaitAsync(string id, CancellationToken cancellationToken);

    /// <summary>SIGKILL to the whole container; a container that already stopped is not an error.</summary>
    Task KillAsync(string id, CancellationToken cancellationToken);

    /// <summary>Force-removes the container; one that is already gone is not an error.</summary>
    Task RemoveAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<ContainerListResponse>> ListByLabelAsync(string label, string value, CancellationToken cancellationToken);
}
