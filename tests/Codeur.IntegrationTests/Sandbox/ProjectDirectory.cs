namespace Codeur.IntegrationTests.Sandbox;

/// <summary>A throw-away project directory the sandbox user (10001) may write to.</summary>
internal sealed class ProjectDirectory : IDisposable
{
    public ProjectDirectory()
    {
        Path = Directory.CreateTempSubdirectory("codeur-it-project-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, (UnixFileMode)0b111_111_111);
        }
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
