using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>
/// Where the connection's reader hands Received and Error frames. Implementations must be quick and
/// must not block on subscribers: the reader is nym-client's only outlet.
/// </summary>
public interface IInboundSink
{
    ValueTask AcceptAsync(ServerResponse message, DateTimeOffset receivedAt, CancellationToken cancellationToken);
}
