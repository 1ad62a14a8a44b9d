using Codeur.Configuration;
using Codeur.IntegrationTests.Sandbox;

namespace Codeur.IntegrationTests.Publishing;

/// <summary>A test project with its remote on the fake forge, the commit it started at, and a config publishing it.</summary>
internal sealed record DemoProject(ProjectDirectory Project, string Remote, string BaseCommit, AgentConfig Config);
