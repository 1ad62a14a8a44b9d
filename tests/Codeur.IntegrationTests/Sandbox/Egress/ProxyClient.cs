using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Codeur.IntegrationTests.Sandbox.Egress;

/// <summary>
/// Speaks to a proxy in raw bytes, the way an agent in the sandbox could: the request target is written exactly as
/// given (odd IPv4 spellings, bracketed IPv6), which no HTTP client library would let through unchanged.
/// </summary>
public static class ProxyClient
{
    /// <summary>What the proxy answered; <see cref="Body"/> is what the destination sent (through the tunnel for CONNECT).</summary>
    public sealed record Answer(string StatusLine, string? SquidError, string Body)
    {
        public bool Refused => StatusLine.Contains(" 403 ", StringComparison.Ordinal) && SquidError?.StartsWith("ERR_ACCESS_DENIED", StringComparison.Ordinal) == true;

        public override string ToString() => $"{StatusLine} [{SquidError}] {Body.Trim()}";
    }

    /// <summary><c>GET http://{authority}/</c> through the proxy.</summary>
    public static async Task<Answer> GetAsync(IPAddress proxy, string authority)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(proxy, 3128, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET http://{authority}/ HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"), timeout.Token);
        var head = await ReadHeadAsync(stream, timeout.Token);
        var body = await ReadToEndAsync(stream, timeout.Token);
        return Parse(head, head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) ? body : "");
    }

    /// <summary><c>CONNECT {authority}</c>; when the tunnel opens, a plain HTTP request through it.</summary>
    public static async Task<Answer> ConnectAsync(IPAddress proxy, string authority)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(proxy, 3128, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"), timeout.Token);
        var head = await ReadHeadAsync(stream, timeout.Token);
        if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            return Parse(head, "");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: tunnel\r\nConnection: close\r\n\r\n"), timeout.Token);
        return Parse(head, await ReadToEndAsync(stream, timeout.Token));
    }

    private static Answer Parse(string head, string body)
    {
        var lines = head.Split("\r\n");
        var error = lines.FirstOrDefault(l => l.StartsWith("X-Squid-Error:", StringComparison.OrdinalIgnoreCase))?["X-Squid-Error:".Length..].Trim();
        return new Answer(lines[0], error, body);
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        var buffer = new byte[1];
        // Byte by byte so nothing past the head (the tunnel's first bytes) is consumed here.
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, cancellationToken) == 0)
            {
                break;
            }

            seen.Append((char)buffer[0]);
        }

        return seen.ToString();
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        var text = await reader.ReadToEndAsync(cancellationToken);
        return text;
    }
}
