using PuppeteerSharp;

namespace Codeur.IntegrationTests.Ui;

/// <summary>
/// Screenshots of the page, kept with the test results: <c>CODEUR_UI_SCREENSHOTS</c>, else <c>TestResults/ui-screenshots/</c>
/// at the repository root (ignored by git, left in place by tests/run.sh), and attached to the test's result.
/// </summary>
internal static class Screenshots
{
    public static string Directory { get; } = Resolve();

    public static async Task<string> SaveAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name + ".png");
        var bytes = await page.ScreenshotDataAsync(new ScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);
        TestContext.Current.AddAttachment(name + ".png", bytes, "image/png");
        return path;
    }

    private static string Resolve()
    {
        if (Environment.GetEnvironmentVariable("CODEUR_UI_SCREENSHOTS") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
            {
                return Path.Combine(dir.FullName, "TestResults", "ui-screenshots");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults", "ui-screenshots");
    }
}
