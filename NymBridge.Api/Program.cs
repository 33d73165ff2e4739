using NymBridge.Api.Connections;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;
using NymBridge.Api.Sending;
using NymBridge.Api.Status;

var builder = WebApplication.CreateBuilder(HttpConfiguration.ExpandShortcuts(args));
builder.UseDefaultListenAddress();
builder.AddNymEmulatorIfEnabled();

builder.Services
    .AddBridgeHttp()
    .AddNymConnection()
    .AddBridgeHealthChecks()
    .AddBridgeSwagger()
    .AddHostedService<StartupBanner>();

var app = builder.Build();

app.UseBridgeHttp();
app.UseBridgeSwagger();
app.MapSending();
app.MapConnections();
app.MapStatus();
app.MapHealth();

app.Run();

/// <summary>Public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
