using NymBridge.Api.Cluster;
using NymBridge.Api.Connections;
using NymBridge.Api.Hosting;
using NymBridge.Api.Http;
using NymBridge.Api.Inbox;
using NymBridge.Api.Messages;
using NymBridge.Api.Metrics;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;
using NymBridge.Api.Realtime;
using NymBridge.Api.Security;
using NymBridge.Api.Sending;
using NymBridge.Api.Shutdown;
using NymBridge.Api.Status;
using NymBridge.Api.Webhooks;

if (CommandLine.TryAnswer(args, Console.Out))
{
    return;
}

// The app's own folder, not the working directory, is the content root: appsettings.json, wwwroot and
// the Swagger comments beside the program are found wherever it is started from.
// The slim builder leaves out what a local gateway never uses (IIS, HTTP/3, static web assets, the regex route
// constraint, the EventLog/EventSource/Debug log providers): each is an assembly loaded and code compiled at start.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
{
    Args = HttpConfiguration.ExpandShortcuts(args),
    ContentRootPath = AppContext.BaseDirectory,
});
// Kestrel:Endpoints with a certificate and --https_ports, which the full builder has built in.
builder.WebHost.UseKestrelHttpsConfiguration();
builder.UseDefaultListenAddress();
builder.RequireKeyForRemoteListening();
builder.Logging.AddPrivacyFilters();

builder.Services
    .AddDataDirectory(builder.Configuration)
    .AddBridgeHttp()
    .AddBridgeSecurity(builder.Configuration)
    .AddInbox(builder.Configuration)
    .AddCluster(builder.Configuration)
    .AddMessages()
    .AddNymConnection()
    .AddSending()
    .AddWebhooks(builder.Configuration)
    .AddRealtime()
    .AddStatus()
    .AddBridgeSwagger()
    .AddBridgeMetrics(builder.Configuration)
    .AddGracefulShutdown();

var app = builder.Build();

app.UseBridgeHttp();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseBridgeSwagger();
app.UseBridgeSecurity();
app.MapSending();
app.MapClusterFrames();
app.MapConnections();
app.MapMessages();
app.MapRealtime();
app.MapStatus();
app.MapWebhooks();
app.MapHealth();
app.MapMetrics();

app.Run();

/// <summary>Public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
