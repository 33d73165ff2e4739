using Microsoft.Playwright;

namespace NymBridge.Tests.Browser;

/// <summary>
/// Playwright's driver (a node process shipped in the Microsoft.Playwright package, copied to the
/// test output as .playwright/), started once per test class: each test still launches its own
/// Chromium with a fresh profile. The driver downloads nothing; only <c>playwright install</c> would.
/// </summary>
public sealed class PlaywrightDriver : IDisposable
{
    private readonly Lazy<Task<IPlaywright>> _playwright = new(Playwright.CreateAsync);

    public Task<IPlaywright> GetAsync() => _playwright.Value;

    public void Dispose()
    {
        if (_playwright.IsValueCreated && _playwright.Value.IsCompletedSuccessfully)
        {
            _playwright.Value.Result.Dispose();
        }
    }
}
