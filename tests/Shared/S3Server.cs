using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real S3-compatible server (s3rver, a Node.js process speaking the S3 REST API and checking SigV4 signatures) in a
/// container started through Testcontainers, on a random loopback port. The image is built offline by
/// <c>tests/tools/s3-server/build.sh</c> (tests/run.sh passes its tag in <c>CODEUR_S3_SERVER_IMAGE</c>; without it the
/// fixture runs the script, which skips an unchanged build). Ryuk, Testcontainers' reaper, needs a registry image, so it
/// is off (<see cref="TestContainers"/>) and <see cref="DisposeAsync"/> removes the container itself. No Docker engine or image means FAIL when
/// <c>CODEUR_REQUIRE_DOCKER=1</c> or <c>CI=true</c>, and a loud skip otherwise.
/// </summary>
public sealed class S3Server : IAsyncLifetime
{
    public const int ContainerPort = 4568;

    /// <summary>The bucket the server creates at start; tests may create more through <see cref="CreateClient"/>.</summary>
    public const string Bucket = "codeur-outputs";

    // One key pair per test process: the AWS SDK's default chain reads AWS_* from the process environment, which
    // in-process tests share, so every instance of this fixture accepts the same pair.
    private IContainer? _container;
    private string? _unavailable;

    public static string AccessKeyId { get; } = "AKCODEUR" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));

    /// <summary>Random per test process: a test can search logs and dumps for it.</summary>
    public static string SecretAccessKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('/', 'x').Replace('+', 'y');

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:1");

    /// <summary>The variables the AWS SDK's default credential chain reads, for a runner process started by a test.</summary>
    public static IReadOnlyDictionary<string, string> CredentialEnvironment => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey,
    };

    public async ValueTask InitializeAsync()
    {
        var image = Environment.GetEnvironmentVariable("CODEUR_S3_SERVER_IMAGE") is { Length: > 0 } tag ? tag : await BuildImageAsync();
        if (image is null)
        {
            return;
        }

        try
        {
            // The shared builder: Ryuk off, the engine's API version, no pull, the labels tests/run.sh sweeps by.
            _container = TestContainers.Builder(image, "s3")
                .WithEnvironment("S3_ACCESS_KEY_ID", AccessKeyId)
                .WithEnvironment("S3_SECRET_ACCESS_KEY", SecretAccessKey)
                .WithEnvironment("S3_BUCKETS", Bucket)
                .WithPortBinding(ContainerPort, assignRandomHostPort: true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(
                    request => request.ForPort(ContainerPort).ForPath("/").ForStatusCodeMatching(code => code < HttpStatusCode.InternalServerError)))
                .Build();
            using var start = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await _container.StartAsync(start.Token);
            Endpoint = new Uri($"http://127.0.0.1:{_container.GetMappedPublicPort(ContainerPort)}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _unavailable = $"the S3 server container ({image}) did not start: {ex.Message}";
            return;
        }

        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretAccessKey);
    }

    /// <summary>A client of the test's own, to look at the bucket behind the runner's back.</summary>
    public AmazonS3Client CreateClient() => new(new BasicAWSCredentials(AccessKeyId, SecretAccessKey), new AmazonS3Config
    {
        ServiceURL = Endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>Skips (or, in CI, fails) the calling test when the server could not be started.</summary>
    public void RequireAvailable()
    {
        if (_unavailable is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1" || Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(_unavailable + " (CI: this is a failure, not a skip)");
        }

        Assert.Skip(_unavailable);
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            // With Ryuk off, disposing stops and removes the container.
            await _container.DisposeAsync();
        }
    }

    /// <summary>Runs the build script from the repository (quick when the image exists); null with a reason when it cannot.</summary>
    private async Task<string?> BuildImageAsync()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "Codeur.Gateway.sln")))
        {
            root = Path.GetDirectoryName(root);
        }

        if (root is null)
        {
            _unavailable = "CODEUR_S3_SERVER_IMAGE is not set and the repository (for tests/tools/s3-server/build.sh) was not found";
            return null;
        }

        var start = new ProcessStartInfo("bash", [Path.Combine(root, "tests/tools/s3-server/build.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(deadline.Token);
            var tag = (await stdout).Trim().Split('\n')[^1].Trim();
            if (process.ExitCode == 0 && tag.Length > 0)
            {
                return tag;
            }

            _unavailable = $"building the S3 server image failed: {(await stderr).Trim()}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            _unavailable = $"building the S3 server image failed: {ex.Message}";
        }

        return null;
    }
}
