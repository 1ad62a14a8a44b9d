using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>The engine's network operations the egress proxy needs; bounded by a timeout like every Docker call.</summary>
internal interface INetworkRuntime
{
    /// <summary>The network, or null when there is none by that name.</summary>
    Task<NetworkResponse?> InspectNetworkAsync(string name, CancellationToken cancellationToken);

    Task CreateNetworkAsync(NetworksCreateParameters parameters, CancellationToken cancellationToken);

    /// <summary>Attaches a container to a network; one already attached is not an error.</summary>
    Task ConnectNetworkAsync(string network, string container, CancellationToken cancellationToken);

    /// <summary>A container's log so far (stdout and stderr), for readiness checks of helper containers.</summary>
    Task<string> ReadLogsAsync(string container, CancellationToken cancellationToken);

    /// <summary>Removes a network; one already gone is not an error.</summary>
    Task RemoveNetworkAsync(string name, CancellationToken cancellationToken);
}
