using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real <c>redis-server</c> process of the test's own, on a free loopback port, killed on dispose. No redis-server
/// on the machine means FAIL when <c>CODEUR_REQUIRE_REDIS=1</c> or <c>CI=true</c> (tests/run.sh installs it), and a
/// loud skip otherwise.
/// </summary>
public class RedisServer : IAsyncLifetime
{
    private Process? _process;
    private string? _unavailable;
    private string? _directory;

    public int Port { get; private set; }

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string Connection => $"127.0.0.1:{Port},abortConnect=false";

    public static string? FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The program started with redis-server's arguments; null when redis-server is missing.</summary>
    protected virtual string? Program => FindBinary();

    /// <summary>Last say over the process before it starts (environment, more arguments).</summary>
    protected virtual void Configure(ProcessStartInfo start, string directory)
    {
    }

    public async ValueTask InitializeAsync()
    {
        var binary = FindBinary() is null ? null : Program;
        if (binary is null)
        {
            _unavailable = "redis-server is not installed (apt-get install redis-server; tests/run.sh does it)";
            return;
        }

        _directory = Directory.CreateTempSubdirectory("codeur-redis-").FullName;
        for (var attempt = 0; attempt < 5 && _process is null; attempt++)
        {
            Port = FreePort();
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = _directory,
            };
            foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", _directory, "--protected-mode", "yes" })
            {
                start.ArgumentList.Add(arg);
            }

            Configure(start, _directory);

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await AnswersAsync(Port, process))
            {
                _process = process;
            }
            else
            {
                process.Kill();
                await process.WaitForExitAsync();
                process.Dispose();
            }
        }

        if (_process is null)
        {
            _unavailable = "redis-server did not start";
        }
    }

    /// <summary>Skips (or, in CI, fails) the calling test when no redis-server could be started.</summary>
    public void RequireAvailable()
    {
        if (_unavailable is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_REDIS") == "1" || Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(_unavailable + " (CI: this is a failure, not a skip)");
        }

        Assert.Skip(_unavailable);
    }

    /// <summary>Stops the server abruptly (as a crash would) to test what happens when Redis is unreachable.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await KillAsync();
        _process?.Dispose();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AnswersAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                // +PONG, or -NOAUTH from a server whose default user is off: either way it answers.
                if (read > 0 && (buffer[0] == (byte)'+' || System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("-NOAUTH", StringComparison.Ordinal)))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }

            await Task.Delay(50);
        }

        return false;
    }
}
