using Microsoft.Playwright;

namespace NymBridge.Tests.Browser;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, or <c>CHROMIUM_PATH</c>) driven by Playwright's .NET driver,
/// headless, with a fresh profile. Never a browser of Playwright's own: nothing here runs <c>playwright install</c>,
/// and the flags keep Chromium off the network (background services, updates, sync, QUIC), which is closed.
/// </summary>
/// <remarks>
/// Every browser test is a <c>[SkippableFact]</c> and calls <see cref="SkipUnlessAvailable"/> first (or
/// <see cref="LaunchAsync"/>, which does): on a machine without Chromium it is reported as skipped, with the
/// reason and the install command, instead of failed; under CI it fails, so CI never hides it.
/// </remarks>
internal sealed class Chromium : IAsyncDisposable
{
    public const string DefaultExecutablePath = "/usr/bin/chromium";
    public const string PathVariable = "CHROMIUM_PATH";
    public const string RequireVariable = "NYMBRIDGE_REQUIRE_BROWSER";

    /// <summary><c>CHROMIUM_PATH</c> when set, else Debian's <c>/usr/bin/chromium</c>.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultExecutablePath;

    /// <summary>A missing browser fails rather than skips: under <c>CI=true</c> or <c>NYMBRIDGE_REQUIRE_BROWSER=1</c>.</summary>
    public static bool IsRequired =>
        IsSet(Environment.GetEnvironmentVariable("CI")) || IsSet(Environment.GetEnvironmentVariable(RequireVariable));

    /// <summary>
    /// Skips the calling <c>[SkippableFact]</c> when the browser is missing, saying why and how to install it;
    /// fails it instead when <see cref="IsRequired"/>.
    /// </summary>
    public static void SkipUnlessAvailable()
    {
        var path = ExecutablePath;
        if (File.Exists(path))
        {
            return;
        }

        var reason = $"{path} is missing: the browser tests need Debian's Chromium. Install it with `apt-get install chromium` " +
                     $"(CI installs it from .ci/apt-packages), or set {PathVariable} to a Chromium executable.";
        if (IsRequired)
        {
            Assert.Fail($"{reason} A missing browser fails the run when CI=true or {RequireVariable}=1.");
        }

        Skip.If(true, reason);
    }

    private static bool IsSet(string? value) =>
        string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || value == "1";

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
        SkipUnlessAvailable();

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
            await Context.CloseAsync().DefaultTimeout();
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
