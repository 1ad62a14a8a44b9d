namespace Codeur.IntegrationTests.Sandbox;

/// <summary>
/// The probe suite under gVisor (<c>runsc</c>, as deploy/ensure-runsc.sh registers it: ptrace platform, no network).
/// Missing runtime: a failure in CI (<c>CODEUR_REQUIRE_DOCKER=1</c>), a loud skip elsewhere.
/// </summary>
[Collection(DockerCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunscSandboxProbeTests(DockerFixture docker) : SandboxProbeTests(docker, "runsc");
