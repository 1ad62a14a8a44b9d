using PuppeteerSharp;

namespace Codeur.IntegrationTests.Ui;

/// <summary>
/// One headless Debian <c>chromium</c> (tests/run.sh installs it) for a test class, driven over the DevTools protocol
/// by PuppeteerSharp: no browser download, the system binary at <c>CODEUR_CHROMIUM</c> or <c>/usr/bin/chromium</c>.
/// Missing, it is a loud skip, or a failure with <c>CODEUR_REQUIRE_CHROMIUM=1</c> or in CI.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private string? _unavailable;

    public IBrowser? Browser { get; private set; }

    public static string ExecutablePath => Environment.GetEnvironmentVariable("CODEUR_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            _unavailable = $"{ExecutablePath} not found (apt-get install chromium; tests/run.sh does)";
            return;
        }

        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container has no user namespace sandbox to give Chromium; the page under test is our own.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--no-default-browser-check"],
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 900 },
            Timeout = 60_000,
        });
    }

    public IBrowser Require()
    {
        if (_unavailable is null)
        {
            return Browser!;
        }

        var reason = "Chromium unavailable: " + _unavailable;
        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_CHROMIUM") == "1" || Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason + " (required here, so this is a failure, not a skip)");
        }

        Assert.Skip(reason);
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
            await Browser.DisposeAsync();
        }
    }
}
