namespace Codeur.IntegrationTests.Sandbox;

/// <summary>The probe suite under runc, the engine's default runtime.</summary>
[Collection(DockerCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RuncSandboxProbeTests(DockerFixture docker) : SandboxProbeTests(docker, "runc");
