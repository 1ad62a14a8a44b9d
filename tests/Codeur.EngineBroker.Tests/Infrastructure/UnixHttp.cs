using System.Net.Sockets;

namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>An <see cref="HttpClient"/> whose every connection goes to one unix socket (the engine's or the broker's).</summary>
internal static class UnixHttp
{
    public static HttpClient Create(string socketPath) => new(new SocketsHttpHandler
    {
        UseProxy = false,
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
    })
    {
        BaseAddress = new Uri("http://engine"),
        Timeout = TimeSpan.FromSeconds(60),
    };
}
