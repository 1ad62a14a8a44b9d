using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Codeur.Runner.Sandbox;

/// <summary>
/// <see cref="IContainerRuntime"/> over the Docker Engine API (Docker.DotNet). No API version is pinned: requests go
/// to unversioned paths, which every engine serves at its own version, so engine 20.10 (API 1.41) and current
/// engines both work. <c>DOCKER_API_VERSION</c> pins one when an operator wants to.
/// </summary>
internal sealed partial class DockerContainerRuntime : IContainerRuntime, INetworkRuntime, IEngineInfo, IDisposable
{
    private static readonly ContainerAttachParameters AttachParameters = new() { Stream = true, Stdout = true, Stderr = true };
    private static readonly ContainerStartParameters StartParameters = new();
    private static readonly ContainerKillParameters KillParameters = new() { Signal = "SIGKILL" };
    private static readonly ContainerRemoveParameters RemoveParameters = new() { Force = true, RemoveVolumes = true };

    private readonly DockerClient _client;
    private readonly TimeSpan _callTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger<DockerContainerRuntime> _logger;

    public DockerContainerRuntime(SandboxOptions options, TimeProvider time, ILogger<DockerContainerRuntime> logger)
    {
        _callTimeout = options.DockerCallTimeout;
        _time = time;
        _logger = logger;
        var builder = new DockerClientBuilder().WithEndpoint(options.DockerEndpoint).WithTimeout(options.DockerCallTimeout);
        if (Environment.GetEnvironmentVariable("DOCKER_API_VERSION") is { Length: > 0 } pinned && System.Version.TryParse(pinned, out var version))
        {
            builder = builder.WithApiVersion(version);
        }

        _client = builder.Build();
        Log.Created(_logger, _client.Options.Endpoint.ToString());
    }

    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync("ping", timeout, token => _client.System.PingAsync(token), cancellationToken);

    public async Task<EngineRuntimes> GetRuntimesAsync(CancellationToken cancellationToken)
    {
        var info = await CallAsync("info", _callTimeout, token => _client.System.GetSystemInfoAsync(token), cancellationToken);
        var registered = new Dictionary<string, EngineRuntime>(StringComparer.Ordinal);
        foreach (var (name, runtime) in info.Runtimes ?? new Dictionary<string, RuntimeWithStatus>())
        {
            registered[name] = new EngineRuntime(runtime.Path ?? name, [.. runtime.Args ?? []]);
        }

        return new EngineRuntimes(registered, string.IsNullOrEmpty(info.DefaultRuntime) ? "runc" : info.DefaultRuntime);
    }

    public async Task<string> CreateAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
    {
        try
        {
            var response = await CallAsync("create", _callTimeout, token => _client.Containers.CreateContainerAsync(parameters, token), cancellationToken);
            return response.ID;
        }
        catch (DockerImageNotFoundException ex)
        {
            throw new SandboxImageMissingException(parameters.Image, ex);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ResponseBody?.Contains("image", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new SandboxImageMissingException(parameters.Image, ex);
        }
    }

    public Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken cancellationToken) =>
        CallAsync("inspect", _callTimeout, token => _client.Containers.InspectContainerAsync(id, token), cancellationToken);

    public Task<MultiplexedStream> AttachAsync(string id, CancellationToken cancellationToken) =>
        CallAsync("attach", _callTimeout, token => _client.Containers.AttachContainerAsync(id, AttachParameters, token), cancellationToken);

    public Task StartAsync(string id, CancellationToken cancellationToken) =>
        CallAsync("start", _callTimeout, token => _client.Containers.StartContainerAsync(id, StartParameters, token), cancellationToken);

    public async Task<long> WaitAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.Containers.WaitContainerAsync(id, cancellationToken);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // A cancelled hijacked/long request can surface as an I/O error: it is still a cancellation.
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && IsUnreachable(ex))
        {
            throw new ContainerEngineUnavailableException($"Docker engine not reachable while waiting for container {Short(id)}: {ex.Message}", ex);
        }
    }

    public async Task KillAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("kill", _callTimeout, token => _client.Containers.KillContainerAsync(id, KillParameters, token), cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // "is not running": it ended on its own between the decision and the kill.
        }
    }

    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("remove", _callTimeout, token => _client.Containers.RemoveContainerAsync(id, RemoveParameters, token), cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict && ex.ResponseBody?.Contains("in progress", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Another removal (the sweeper, or AutoRemove by an operator) already has it.
        }
    }

    public async Task<IReadOnlyList<ContainerListResponse>> ListByLabelAsync(string label, string value, CancellationToken cancellationToken)
    {
        var parameters = new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{label}={value}"] = true },
            },
        };
        var list = await CallAsync("list", _callTimeout, token => _client.Containers.ListContainersAsync(parameters, token), cancellationToken);
        return list.AsReadOnly();
    }

    public async Task<NetworkResponse?> InspectNetworkAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync("network inspect", _callTimeout, token => _client.Networks.InspectNetworkAsync(name, token), cancellationToken);
        }
        catch (DockerNetworkNotFoundException)
        {
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task CreateNetworkAsync(NetworksCreateParameters parameters, CancellationToken cancellationToken) =>
        CallAsync("network create", _callTimeout, token => _client.Networks.CreateNetworkAsync(parameters, token), cancellationToken);

    public async Task ConnectNetworkAsync(string network, string container, CancellationToken cancellationToken)
    {
        try
        {
            var parameters = new NetworkConnectParameters { Container = container };
            await CallAsync("network connect", _callTimeout, token => _client.Networks.ConnectNetworkAsync(network, parameters, token), cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Forbidden && ex.ResponseBody?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true)
        {
        }
    }

    public Task<string> ReadLogsAsync(string container, CancellationToken cancellationToken) =>
        CallAsync("logs", _callTimeout, async token =>
        {
            var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "200" };
            using var stream = await _client.Containers.GetContainerLogsAsync(container, parameters, token);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(token);
            return stdout + stderr;
        }, cancellationToken);

    public async Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("network remove", _callTimeout, token => _client.Networks.DeleteNetworkAsync(name, token), cancellationToken);
        }
        catch (DockerNetworkNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public void Dispose() => _client.Dispose();

    private Task<bool> CallAsync(string operation, TimeSpan timeout, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync<bool>(operation, timeout, async token =>
        {
            await call(token);
            return true;
        }, cancellationToken);

    private async Task<T> CallAsync<T>(string operation, TimeSpan timeout, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            return await call(linked.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (Exception ex) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested && (ex is OperationCanceledException || IsUnreachable(ex)))
        {
            Log.CallTimedOut(_logger, operation, timeout.TotalSeconds);
            throw new ContainerEngineUnavailableException($"Docker '{operation}' did not answer within {timeout.TotalSeconds:0.#} s", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && IsUnreachable(ex))
        {
            Log.Unreachable(_logger, operation, ex.Message);
            throw new ContainerEngineUnavailableException($"Docker engine not reachable at {_client.Options.Endpoint} ({operation}): {ex.Message}", ex);
        }
    }

    private static bool IsUnreachable(Exception ex) =>
        ex is HttpRequestException or SocketException or TimeoutException or IOException
        || (ex.InnerException is { } inner && IsUnreachable(inner));

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Docker client for {Endpoint}")]
        public static partial void Created(ILogger logger, string endpoint);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Docker {Operation} did not answer within {TimeoutSeconds} s")]
        public static partial void CallTimedOut(ILogger logger, string operation, double timeoutSeconds);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Docker engine not reachable during {Operation}: {Reason}")]
        public static partial void Unreachable(ILogger logger, string operation, string reason);
    }
}
