using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace NymBridge.Tests.Common;

public static class TestServerHubs
{
    /// <summary>A client builder for the bridge's <c>/hubs/messages</c> over the test server's in-memory websockets.</summary>
    public static IHubConnectionBuilder MessagesHub(this WebApplicationFactory<Program> factory, Uri baseAddress) =>
        new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "/hubs/messages"), o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
            o.WebSocketFactory = async (context, token) => await factory.Server.CreateWebSocketClient().ConnectAsync(context.Uri, token);
        });
}
