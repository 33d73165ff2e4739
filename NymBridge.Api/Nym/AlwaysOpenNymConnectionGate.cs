namespace NymBridge.Api.Nym;

/// <summary>The single-process gate: the turn starts at once and never ends, so the connection never gives its socket up.</summary>
public sealed class AlwaysOpenNymConnectionGate : INymConnectionGate
{
    private static readonly Task<CancellationToken> Open = Task.FromResult(CancellationToken.None);

    public Task<CancellationToken> WaitForTurnAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled<CancellationToken>(cancellationToken) : Open;
}
