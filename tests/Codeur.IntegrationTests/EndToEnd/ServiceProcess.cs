using System.Diagnostics;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>
/// A real gateway or runner process (<c>dotnet Codeur.X.dll --config ...</c>) with its output in a file: what
/// operators run, and what a <c>kill -9</c> test needs.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, string logPath)
    {
        _process = process;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(string service, string configPath, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(RepositoryRoot, service.ToLowerInvariant(), "bin", BuildConfiguration, "net10.0", $"Codeur.{service}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution first", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--config", configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
        };
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var gate = new Lock();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { log.WriteLine(e.Data); } } };
        process.Exited += (_, _) => { lock (gate) { log.Flush(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, logPath);
    }

    /// <summary>Waits (bounded) until <paramref name="healthUrl"/> answers 200; fails with the service's log otherwise.</summary>
    public async Task WaitHealthyAsync(Uri healthUrl, TimeSpan? timeout = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"{LogPath} exited with {_process.ExitCode}:\n{await ReadLogAsync()}");
            }

            try
            {
                using var response = await client.GetAsync(healthUrl, TestContext.Current.CancellationToken);

                // Healthy, and it is this process answering: another one on the port would pass the health check too.
                if (response.IsSuccessStatusCode && (await ReadLogAsync()).Contains($"Now listening on: http://{healthUrl.Authority}", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"{healthUrl} not healthy in time:\n{await ReadLogAsync()}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no grace, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGTERM: a graceful stop.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async Task<string> ReadLogAsync()
    {
        await Task.Delay(50);
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
    }

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Debug or Release: whatever this test assembly was built as, so the services match it.</summary>
    private static string BuildConfiguration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name is var name && name is "Release" ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Codeur.Gateway.sln not found above " + AppContext.BaseDirectory);
    }
}
