namespace NymBridge.Api.Nym;

/// <summary>
/// When this instance may hold the one websocket nym-client accepts. Single mode: always (<see cref="AlwaysOpenNymConnectionGate"/>);
/// cluster mode: while it holds the leader lease.
/// </summary>
public interface INymConnectionGate
{
    /// <summary>Completes when this instance may connect to nym-client.</summary>
    /// <returns>A token cancelled the moment it must give the connection up (never, for a gate that is always open).</returns>
    Task<CancellationToken> WaitForTurnAsync(CancellationToken cancellationToken);
}
