using Microsoft.Extensions.Options;

namespace NymBridge.Api.Shutdown;

/// <summary>
/// Tells every <see cref="IShutdownParticipant"/> that the bridge is stopping, on
/// <see cref="IHostApplicationLifetime.ApplicationStopping"/>: that fires before the host stops the server
/// (which waits for in-flight requests) and the hosted services, so new sends are refused and waiting
/// readers answered while queued sends are still being written.
/// </summary>
internal sealed partial class ShutdownCoordinator(
    IHostApplicationLifetime lifetime, IEnumerable<IShutdownParticipant> participants, IOptions<HostOptions> host, ILogger<ShutdownCoordinator> logger)
    : IHostedService, IDisposable
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(OnStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration.Dispose();

    private void OnStopping()
    {
        LogShuttingDown(logger, host.Value.ShutdownTimeout.TotalSeconds);
        foreach (var participant in participants)
        {
            participant.OnShutdownStarted();
        }
    }

    [LoggerMessage(6001, LogLevel.Information, "Shutting down: new sends are refused; queued sends, waiting reads and the inbox finish within {Seconds} s", EventName = "ShuttingDown")]
    private static partial void LogShuttingDown(ILogger logger, double seconds);
}
