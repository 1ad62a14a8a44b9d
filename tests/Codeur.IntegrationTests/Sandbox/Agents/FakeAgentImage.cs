using System.Diagnostics;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>
/// Builds, once per test class, the fake-agent test image: the sandbox image under test (<see cref="DockerFixture.Image"/>) plus this checkout's
/// <c>codeur-tool</c> (so the worktree and search commands under test are the ones in the repository, whatever the
/// shared image carries) and the fake agent CLI. COPY only, so the build needs no network. Also makes sure the egress
/// proxy image exists (<c>deploy/egress-proxy/build-offline.sh</c>, idempotent).
/// </summary>
public sealed class FakeAgentImage : IAsyncLifetime
{
    /// <summary><c>CODEUR_FAKE_AGENT_IMAGE</c>, else the shared test tag: branches building different inputs at once set their own.</summary>
    public static readonly string Tag = Environment.GetEnvironmentVariable("CODEUR_FAKE_AGENT_IMAGE") is { Length: > 0 } tag ? tag : "codeur/sandbox-fake-agent:agents-test";
    /// <summary>The egress proxy image under test: <c>CODEUR_EGRESS_PROXY_IMAGE</c>, default <c>codeur/egress-proxy:latest</c>.</summary>
    public static string ProxyImage => Egress.EgressLab.Image;

    private static readonly SemaphoreSlim BuildLock = new(1, 1);

    /// <summary>Why the images could not be built (Docker missing, build failed); null when they are ready.</summary>
    public string? Problem { get; private set; }

    public static string RepositoryRoot { get; } = FindRoot();

    public async ValueTask InitializeAsync()
    {
        await BuildLock.WaitAsync();
        try
        {
            var context = Directory.CreateTempSubdirectory("codeur-fake-agent-").FullName;
            try
            {
                var source = Path.Combine(RepositoryRoot, "tests", "Codeur.IntegrationTests", "Sandbox", "Agents", "fake-agent");
                File.Copy(Path.Combine(source, "Dockerfile"), Path.Combine(context, "Dockerfile"));
                File.Copy(Path.Combine(source, "fake-agent"), Path.Combine(context, "fake-agent"));
                File.Copy(Path.Combine(RepositoryRoot, "deploy", "sandbox", "codeur-tool"), Path.Combine(context, "codeur-tool"));
                foreach (var file in new[] { "fake-agent", "codeur-tool" })
                {
                    File.SetUnixFileMode(Path.Combine(context, file), (UnixFileMode)0b111_101_101);
                }

                var (code, output) = await RunAsync("docker", ["build", "-q", "--build-arg", "BASE_IMAGE=" + DockerFixture.Image, "-t", Tag, context], TimeSpan.FromMinutes(3));
                if (code != 0)
                {
                    Problem = $"docker build of {Tag} failed ({code}): {output}";
                    return;
                }

                (code, output) = await RunAsync(Path.Combine(RepositoryRoot, "deploy", "egress-proxy", "build-offline.sh"), [ProxyImage], TimeSpan.FromMinutes(10));
                if (code != 0)
                {
                    Problem = $"building {ProxyImage} failed ({code}): {output}";
                }
            }
            finally
            {
                Directory.Delete(context, recursive: true);
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            Problem = "cannot build the test images: " + ex.Message;
        }
        finally
        {
            BuildLock.Release();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public void Require()
    {
        if (Problem is not null)
        {
            Assert.Fail(Problem);
        }
    }

    /// <summary>Runs a program with a deadline; returns its exit code and combined output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOCKER_BUILDKIT"] = "0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + program);
        using var cts = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} did not finish within {timeout}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
