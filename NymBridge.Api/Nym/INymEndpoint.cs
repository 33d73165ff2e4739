namespace NymBridge.Api.Nym;

/// <summary>Where nym-client listens. The connection asks before every connect, so nothing has to know it while the app is composed.</summary>
public interface INymEndpoint
{
    /// <summary>The websocket URL to connect to; waits while the endpoint is not listening yet (the built-in emulator starting).</summary>
    ValueTask<Uri> GetClientUrlAsync(CancellationToken cancellationToken);
}
