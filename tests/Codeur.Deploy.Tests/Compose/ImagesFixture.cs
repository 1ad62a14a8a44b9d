using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Compose;

/// <summary>
/// Builds the deployment images once per run with deploy/docker/build-images.sh: local base images seeded
/// without a registry, the engine's layer cache keeping a rebuild with unchanged sources to seconds.
/// </summary>
public sealed class ImagesFixture : IAsyncLifetime
{
    private string? _failure;

    public async ValueTask InitializeAsync()
    {
        if (Tool.Find("docker") is null || (await Tool.RunAsync("docker", ["info"], TimeSpan.FromSeconds(30))).ExitCode != 0)
        {
            return; // RequireAsync reports it.
        }

        var build = await Tool.RunAsync("bash", [Repo.Path("deploy", "docker", "build-images.sh")], TimeSpan.FromMinutes(20));
        if (build.ExitCode != 0)
        {
            _failure = $"deploy/docker/build-images.sh failed (exit {build.ExitCode}):\n{build.Error}";
        }
        else
        {
            Sizes = build.Output.Trim();
        }
    }

    /// <summary>The image size table build-images.sh printed.</summary>
    public string Sizes { get; private set; } = "";

    public async Task RequireAsync()
    {
        await Docker.RequireEngineAsync();
        if (_failure is not null)
        {
            Assert.Fail(_failure);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class ImagesCollection : ICollectionFixture<ImagesFixture>
{
    public const string Name = "deployment images";
}
