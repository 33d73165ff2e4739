using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NymBridge.Tests.Cluster;

/// <summary>A request as the fake leader received it.</summary>
public sealed record ReceivedForward(string Method, string PathAndQuery, string ContentType, string IdempotencyKey, string InternalKey, byte[] Body);

/// <summary>A real Kestrel on a loopback port standing in for the leader; each test says how it answers.</summary>
public sealed class FakeLeader : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedForward> _received = new();

    private FakeLeader(WebApplication app, Func<HttpContext, Task> answer)
    {
        _app = app;
        app.Run(async http =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var h = http.Request.Headers;
            _received.Enqueue(new ReceivedForward(http.Request.Method, http.Request.Path + http.Request.QueryString, h.ContentType.ToString(),
                h["Idempotency-Key"].ToString(), h["X-NymBridge-Internal-Key"].ToString(), body.ToArray()));
            await answer(http);
        });
    }

    public Uri Url { get; private set; } = null!;
    public IReadOnlyList<ReceivedForward> Received => [.. _received];

    public static async Task<FakeLeader> StartAsync(Func<HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var leader = new FakeLeader(builder.Build(), answer);
        await leader._app.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        leader.Url = new Uri(leader._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return leader;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }
}
