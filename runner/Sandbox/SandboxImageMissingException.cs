namespace Codeur.Runner.Sandbox;

/// <summary>The sandbox image is not present on the engine (there is no registry to pull from): a clear, final error.</summary>
internal sealed class SandboxImageMissingException(string image, Exception? inner = null)
    : Exception(
        $"sandbox image '{image}' is not present on the Docker engine; build it with 'deploy/sandbox/build-offline.sh {image}' "
        + $"(offline, from Debian packages) or 'docker build -t {image} deploy/sandbox', or set webhook.sandbox.image",
        inner)
{
    public string Image { get; } = image;
}
