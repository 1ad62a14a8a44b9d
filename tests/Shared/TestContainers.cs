using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;

namespace Codeur.Tests.Shared;

/// <summary>
/// What every third-party server the tests start through Testcontainers shares (Redis, Prometheus, the S3-compatible
/// server): a local image built offline (there is no registry, so nothing is ever pulled), the <see cref="Label"/> and
/// the owning test process's id on the container, and Ryuk — Testcontainers' resource reaper, an image it would pull —
/// turned off. Cleanup is ours instead: each fixture disposes its container, and tests/run.sh removes, at start,
/// labelled containers whose owning process is gone (a test host killed mid-run).
/// </summary>
public static class TestContainers
{
    /// <summary>Carried by every container a test starts; its value names the server (<c>redis</c>, <c>prometheus</c>...).</summary>
    public const string Label = "io.codeur.test";

    /// <summary>The process id of the test host that owns the container, so a sweep spares a run still going.</summary>
    public const string OwnerLabel = "io.codeur.test.owner";

    private static readonly Dictionary<string, Lazy<Task<string>>> Images = [];

    static TestContainers()
    {
        // Set here, where every fixture's builder comes from, so a developer's plain `dotnet test` needs no setup.
        // Both before Testcontainers' settings are first read: they probe the engine once, at the API version given.
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        if (Environment.GetEnvironmentVariable("DOCKER_API_VERSION") is not { Length: > 0 } && EngineApiVersion() is { } version)
        {
            Environment.SetEnvironmentVariable("DOCKER_API_VERSION", version);
        }

        TestcontainersSettings.ResourceReaperEnabled = false;
    }

    /// <summary>
    /// A container builder for <paramref name="image"/> (a local tag, see <see cref="ImageAsync"/>) with a name unique to
    /// this container (parallel collections and parallel runs never collide), the labels, and no pull.
    /// </summary>
    public static ContainerBuilder Builder(string image, string server) =>
        new ContainerBuilder(image)
            .WithImagePullPolicy(_ => false)
            .WithName($"codeur-test-{server}-{Guid.NewGuid():N}"[..32])
            .WithLabel(Label, server)
            .WithLabel(OwnerLabel, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// A Docker client on the engine Testcontainers uses, for what it does not offer (a SIGKILL, an inspect). Through this
    /// class so that the API version above is settled before Testcontainers' settings probe the engine.
    /// </summary>
    public static DockerClient CreateDockerClient() =>
        TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();

    /// <summary>
    /// The local image tag for a test server: <c>CODEUR_TEST_IMAGE_&lt;SERVER&gt;</c> when set (tests/run.sh sets it),
    /// else what <c>tests/images/build.sh SERVER</c> prints — it builds the image offline on first use (tag keyed by
    /// content) and is quick when the image exists. Once per process and server.
    /// </summary>
    public static Task<string> ImageAsync(string server)
    {
        Lazy<Task<string>> image;
        lock (Images)
        {
            if (!Images.TryGetValue(server, out image!))
            {
                image = new Lazy<Task<string>>(() => ResolveImageAsync(server));
                Images[server] = image;
            }
        }

        return image.Value;
    }

    /// <summary>Fails the calling test in CI (<c>CI=true</c>, <c>CODEUR_REQUIRE_DOCKER=1</c> or <c>CODEUR_REQUIRE_REDIS=1</c>), skips it loudly elsewhere.</summary>
    public static void Unavailable(string reason)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true"
            || Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1"
            || Environment.GetEnvironmentVariable("CODEUR_REQUIRE_REDIS") == "1")
        {
            Assert.Fail(reason + " (CI: this is a failure, not a skip)");
        }

        Assert.Skip(reason);
    }

    /// <summary>The repository root (the directory holding Codeur.Gateway.sln).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>
    /// The engine's own API version (<c>GET /version</c> on an unversioned path, which every engine serves). The Docker
    /// client Testcontainers uses speaks a newer version than Debian's engine 20.10 (API 1.41) accepts unless told
    /// which one to speak; pinning 1.41 instead would fail on engines that dropped it. Null when the engine is not on
    /// a local socket or does not answer: Testcontainers then reports that itself.
    /// </summary>
    private static string? EngineApiVersion()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } given ? given : "unix:///var/run/docker.sock";
        if (!host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return null;
        }

        var socket = host["unix://".Length..];
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var connection = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await connection.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                return new NetworkStream(connection, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var version = JsonDocument.Parse(client.GetStringAsync(new Uri("http://docker/version")).GetAwaiter().GetResult());
            return version.RootElement.GetProperty("ApiVersion").GetString();
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static async Task<string> ResolveImageAsync(string server)
    {
        var variable = "CODEUR_TEST_IMAGE_" + server.ToUpperInvariant().Replace('-', '_');
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given)
        {
            return given;
        }

        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "tests", "images", "build.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(server);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            throw new InvalidOperationException($"tests/images/build.sh {server} failed (exit {process.ExitCode}): {await error}");
        }

        return lines[^1];
    }
}
