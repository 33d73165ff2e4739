namespace NymBridge.Api.Shutdown;

/// <summary>
/// A feature that must change course the moment the bridge starts to stop (SIGTERM, Ctrl+C), before the
/// server waits for in-flight requests: refuse new work, and let go of requests that would otherwise
/// wait (a long-poll or an event stream would hold the server's drain up to the shutdown timeout).
/// </summary>
public interface IShutdownParticipant
{
    /// <summary>Called once, from <see cref="IHostApplicationLifetime.ApplicationStopping"/>; must return at once.</summary>
    void OnShutdownStarted();
}
