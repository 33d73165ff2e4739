using NymBridge.Protocol;
namespace NymBridge.Api.Nym;
internal sealed class TempSink : IInboundSink
{
    public ValueTask AcceptAsync(ServerResponse message, DateTimeOffset receivedAt, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
