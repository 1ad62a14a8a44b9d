namespace Codeur.Runner.Sandbox;

/// <summary>Decides whether a configured project directory may become the sandbox's only bind mount.</summary>
internal interface IProjectPathGuard
{
    PathCheck Check(string path);
}
