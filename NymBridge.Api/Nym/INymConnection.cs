using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>The one connection to nym-client, shared by every caller.</summary>
public interface INymConnection
{
    /// <summary>Completes once the frame is written to the socket; throws <see cref="NymUnavailableException"/> when it cannot be.</summary>
    Task SendAsync(ClientRequest request, CancellationToken cancellationToken);

    /// <summary>Writes the request and waits for nym-client's LaneQueueLength answer for <paramref name="lane"/>.</summary>
    Task<LaneQueueLengthResponse> SendForLaneAsync(ClientRequest request, ulong lane, CancellationToken cancellationToken);

    /// <summary>The address nym-client reported on the current connection, or null when not (yet) known.</summary>
    NymAddress? SelfAddress { get; }

    /// <summary>Completes once connected and nym-client has reported its address (at once when it already has).</summary>
    Task<NymAddress> WaitForSelfAddressAsync(CancellationToken cancellationToken);

    NymConnectionStatus GetStatus();

    /// <summary>Completes at the next change of the connection state or the self address (take it anew after each change).</summary>
    Task NextStatusChange { get; }
}
