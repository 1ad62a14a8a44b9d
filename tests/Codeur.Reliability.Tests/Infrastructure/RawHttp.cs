using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Codeur.Reliability.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare socket, one request per connection: hostile requests need bytes no well-behaved client
/// library would send (duplicate or conflicting framing headers, invalid UTF-8 in a header, 64 KiB of headers).
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, string Head, byte[] Body)
    {
        public string Text => Encoding.UTF8.GetString(Body);

        public string? Header(string name)
        {
            foreach (var line in Head.Split("\r\n").Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return line[(colon + 1)..].Trim();
                }
            }

            return null;
        }
    }

    /// <summary>Sends <paramref name="request"/> as is and reads until the server closes. Status 0: closed without an answer.</summary>
    public static async Task<Response> SendAsync(IPEndPoint server, byte[] request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server, cts.Token);

        // Read while sending: a server that answers early (413, 431) and closes must not lose its answer to a reset.
        var receiving = ReceiveAllAsync(socket, cts.Token);
        try
        {
            await socket.SendAsync(request, SocketFlags.None, cts.Token);
        }
        catch (SocketException)
        {
        }

        var received = await receiving;
        return Parse(received);
    }

    private static async Task<byte[]> ReceiveAllAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException) when (received.Length > 0)
        {
            // A reset after the response (the server closed with our unread bytes pending) still leaves the answer.
        }

        return received.ToArray();
    }

    public static Response Parse(byte[] bytes)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return new Response(0, Encoding.Latin1.GetString(bytes), []);
        }

        var head = Encoding.Latin1.GetString(bytes, 0, end);
        var parts = head.Split(' ', 3);
        var status = parts.Length > 1 && int.TryParse(parts[1], out var code) ? code : 0;
        var body = bytes[(end + 4)..];
        var response = new Response(status, head, body);
        if (response.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            response = response with { Body = Dechunk(body) };
        }

        return response;
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var output = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(body, at, lineEnd).Split(';')[0];
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            at += lineEnd + 2;
            output.Write(body, at, Math.Min(size, body.Length - at));
            at += size + 2;
        }

        return output.ToArray();
    }

    /// <summary>Builds a request: the given header lines verbatim (Latin-1 bytes, so invalid UTF-8 goes through raw), then the body.</summary>
    public static byte[] Build(string method, string path, IEnumerable<(string Name, byte[] Value)> headers, byte[] body, bool contentLength = true)
    {
        using var stream = new MemoryStream();
        void Write(string text) => stream.Write(Encoding.Latin1.GetBytes(text));
        Write($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            Write(name + ": ");
            stream.Write(value);
            Write("\r\n");
        }

        if (contentLength)
        {
            Write($"Content-Length: {body.Length}\r\n");
        }

        Write("\r\n");
        stream.Write(body);
        return stream.ToArray();
    }
}
