using NymBridge.Api.Connections;
using NymBridge.Api.Http;
using NymBridge.Api.Inbox;
using NymBridge.Api.Messages;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;
using NymBridge.Api.Realtime;
using NymBridge.Api.Security;
using NymBridge.Api.Sending;
using NymBridge.Api.Shutdown;
using NymBridge.Api.Status;

var builder = WebApplication.CreateBuilder(HttpConfiguration.ExpandShortcuts(args));
builder.UseDefaultListenAddress();
builder.RequireKeyForRemoteListening();
builder.Logging.AddPrivacyFilters();
builder.AddNymEmulatorIfEnabled();

// The inbox before the connection: hosted services stop in reverse order, so the reader stops
// before the inbox flushes and closes its store.
builder.Services
    .AddBridgeHttp()
    .AddBridgeSecurity(builder.Configuration)
    .AddInbox(builder.Configuration)
    .AddMessages()
    .AddNymConnection()
    .AddSending()
    .AddRealtime()
    .AddBridgeHealthChecks()
    .AddBridgeSwagger()
    .AddGracefulShutdown()
    .AddHostedService<StartupBanner>();

var app = builder.Build();

app.UseBridgeHttp();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseBridgeSwagger();
app.UseBridgeSecurity();
app.MapSending();
app.MapConnections();
app.MapMessages();
app.MapRealtime();
app.MapStatus();
app.MapHealth();

app.Run();

/// <summary>Public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
