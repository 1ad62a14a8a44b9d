namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>A projects root on disk for the model tests, which need paths but no engine.</summary>
internal sealed class BrokerFixtureStub : IDisposable
{
    public BrokerFixtureStub()
    {
        Projects = Directory.CreateTempSubdirectory("codeur-broker-model-").FullName;
        Directory.CreateDirectory(Project);
    }

    public string Projects { get; }

    public string Project => Projects + "/app";

    public string RunnerBody() => CreateBodies.Runner(Project, "r");

    public void Dispose() => Directory.Delete(Projects, recursive: true);
}
