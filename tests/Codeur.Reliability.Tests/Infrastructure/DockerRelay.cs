using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Codeur.Reliability.Tests.Infrastructure;

/// <summary>
/// A Unix-socket relay in front of the Docker engine's socket. The runner is pointed at it (<c>DOCKER_HOST</c>), so
/// a test can take "the engine" away from the runner — refuse new connections and drop open ones, as a stopped
/// dockerd does — without touching the engine every other test on this machine shares.
/// </summary>
public sealed class DockerRelay : IAsyncDisposable
{
    private readonly string _engine;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private Socket? _listener;
    private CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    public DockerRelay(string engineSocket = "/var/run/docker.sock")
    {
        _engine = engineSocket;
        SocketPath = Path.Combine(Directory.CreateTempSubdirectory("codeur-relay-").FullName, "docker.sock");
        Listen();
    }

    public string SocketPath { get; }

    public string DockerHost => "unix://" + SocketPath;

    public bool IsUp => _listener is not null;

    /// <summary>The engine "stops": the socket disappears (connects fail) and every open connection is dropped.</summary>
    public async Task CutAsync()
    {
        await _stop.CancelAsync();
        _listener?.Dispose();
        _listener = null;
        File.Delete(SocketPath);
        foreach (var socket in _open.Keys)
        {
            Drop(socket);
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The engine is back.</summary>
    public void Restore()
    {
        if (_listener is null)
        {
            _stop.Dispose();
            _stop = new CancellationTokenSource();
            Listen();
        }
    }

    private void Listen()
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen(256);
        _listener = listener;
        _accepting = AcceptAsync(listener, _stop.Token);
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PairAsync(client, stop);
        }
    }

    private async Task PairAsync(Socket client, CancellationToken stop)
    {
        var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _open[client] = 0;
        _open[engine] = 0;
        try
        {
            await engine.ConnectAsync(new UnixDomainSocketEndPoint(_engine), stop);
            var up = PumpAsync(client, engine, stop);
            var down = PumpAsync(engine, client, stop);
            await Task.WhenAll(up, down);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            Drop(client);
            Drop(engine);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stop);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private void Drop(Socket socket)
    {
        _open.TryRemove(socket, out _);
        try
        {
            // Linger 0: a reset, like a peer that died, not a polite close.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CutAsync();
        _stop.Dispose();
        try
        {
            Directory.Delete(Path.GetDirectoryName(SocketPath)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
