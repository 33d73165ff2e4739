using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>A request on its way to the socket; <see cref="Written"/> completes once it is on the wire.</summary>
internal sealed class OutboundFrame(ClientRequest request)
{
    private const int Pending = 0, Writing = 1, Abandoned = 2;
    private int _state;
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClientRequest Request { get; } = request;
    public Task Written => _written.Task;

    /// <summary>The writer claims the frame; false when its caller already gave up, so it is never sent late.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _state, Writing, Pending) == Pending;

    /// <summary>The caller gives up; true when the frame was not yet claimed and so will never be written.</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Pending) == Pending;

    public void MarkWritten() => _written.TrySetResult();
    public void Fail(Exception error) => _written.TrySetException(error);
}
