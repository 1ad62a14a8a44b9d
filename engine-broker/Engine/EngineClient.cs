using System.Net.Sockets;
using Codeur.EngineBroker.Configuration;

namespace Codeur.EngineBroker.Engine;

/// <summary>
/// The one HTTP client to the engine, over its unix socket. No timeout on the client itself: attach and wait last
/// as long as the task, so each call carries its own bound (<see cref="BrokerOptions.CallTimeout"/> or the caller's
/// connection). Connections are pooled; an upgraded (attach) connection leaves the pool for good.
/// </summary>
internal sealed class EngineClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    public EngineClient(BrokerPolicy policy)
    {
        var socketPath = policy.Options.EngineSocket;
        CallTimeout = policy.Options.CallTimeout;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        });
    }

    /// <summary>The engine ignores the host; requests are addressed to a fixed name.</summary>
    public static Uri Address(string pathAndQuery) => new("http://engine" + pathAndQuery);

    public TimeSpan CallTimeout { get; }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker.SendAsync(request, cancellationToken);

    public void Dispose() => _invoker.Dispose();
}
