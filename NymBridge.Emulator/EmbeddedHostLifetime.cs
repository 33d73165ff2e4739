using Microsoft.Extensions.Hosting;

namespace NymBridge.Emulator;

/// <summary>
/// The emulator's web host lives inside another program (the bridge, a test run, Program.cs): unlike
/// the default console lifetime it must not take over Ctrl+C and SIGTERM.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
