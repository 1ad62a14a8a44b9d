namespace Codeur.Deploy.Tests.Infrastructure;

/// <summary>Paths in the repository under test (found from the test binary upwards).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Codeur.Gateway.sln) not found above " + AppContext.BaseDirectory);
    }
}
