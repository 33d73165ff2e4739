using Microsoft.Playwright;

namespace NymBridge.Tests.Browser;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>) driven by Playwright's .NET driver, headless, with a fresh
/// profile. Never a browser of Playwright's own: nothing here runs <c>playwright install</c>, and the
/// flags keep Chromium off the network (background services, updates, sync, QUIC), which is closed.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        // We run as root, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    private readonly DirectoryInfo _profile;

    private Chromium(DirectoryInfo profile, IBrowserContext context, IPage page)
    {
        _profile = profile;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    public static async Task<Chromium> LaunchAsync(PlaywrightDriver driver, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(driver);
        if (!File.Exists(ExecutablePath))
        {
            Assert.Fail($"{ExecutablePath} is missing: the browser tests need Debian's Chromium. " +
                        "Install the `chromium` Debian package (apt-get install chromium); CI installs it from .ci/apt-packages.");
        }

        // A persistent context is how Playwright takes an explicit --user-data-dir: a new empty one per launch.
        var profile = Directory.CreateTempSubdirectory("nymbridge-chromium-");
        try
        {
            var playwright = await driver.GetAsync().WaitAsync(timeout);
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
                Timeout = (float)timeout.TotalMilliseconds,
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                Locale = "en-GB",
                TimezoneId = "UTC",
            });
            context.SetDefaultTimeout((float)timeout.TotalMilliseconds);
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            return new Chromium(profile, context, page);
        }
        catch
        {
            DeleteProfile(profile);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            DeleteProfile(_profile);
        }
    }

    private static void DeleteProfile(DirectoryInfo profile)
    {
        try
        {
            profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing to it as it exits; it is a temp directory.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
