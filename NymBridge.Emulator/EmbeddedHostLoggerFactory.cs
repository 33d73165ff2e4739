using Microsoft.Extensions.Logging.Abstractions;

namespace NymBridge.Emulator;

/// <summary>
/// The embedded web host logs through the caller's factory, except for the hosting lifetime: its
/// "Now listening on: http://..." would read, in the bridge's log, like a second endpoint of the
/// bridge itself. The emulator logs its own ws:// line instead.
/// </summary>
internal sealed class EmbeddedHostLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private const string LifetimeCategory = "Microsoft.Hosting.Lifetime";

    public ILogger CreateLogger(string categoryName) =>
        categoryName == LifetimeCategory ? NullLogger.Instance : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The caller owns the inner factory.
    public void Dispose()
    {
    }
}
