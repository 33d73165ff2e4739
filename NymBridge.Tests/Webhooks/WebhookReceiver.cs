using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NymBridge.Tests.Webhooks;

/// <summary>One request the receiver got, as it came off the wire.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string UserAgent, string ContentType, byte[] Body, DateTimeOffset At)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>A real Kestrel receiver on a loopback port; each test says how it answers.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _inFlight, _maxInFlight;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebhookReceiver(WebApplication app, Func<ReceivedWebhook, HttpContext, Task> handler)
    {
        _app = app;
        Handler = handler;
        app.MapPost("/hook", async (HttpContext http) =>
        {
            var now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _maxInFlight, now);
            try
            {
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer);
                var h = http.Request.Headers;
                var received = new ReceivedWebhook(h["webhook-id"].ToString(), h["webhook-timestamp"].ToString(), h["webhook-signature"].ToString(),
                    h.UserAgent.ToString(), h.ContentType.ToString(), buffer.ToArray(), DateTimeOffset.UtcNow);
                _received.Enqueue(received);
                Interlocked.Exchange(ref _arrived, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                await Handler(received, http);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        });
    }

    /// <summary>How the receiver answers; may be changed while running.</summary>
    public Func<ReceivedWebhook, HttpContext, Task> Handler { get; set; }

    public Uri Url { get; private set; } = null!;
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static Task<WebhookReceiver> StartAsync(int statusCode = 200) =>
        StartAsync((_, http) => { http.Response.StatusCode = statusCode; return Task.CompletedTask; });

    public static async Task<WebhookReceiver> StartAsync(Func<ReceivedWebhook, HttpContext, Task> handler, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, handler);
        await app.StartAsync().DefaultTimeout();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what was received, looking again at each arrival.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan? timeout = null)
    {
        IReadOnlyList<ReceivedWebhook> received = [];
        await Eventually.WaitUntilAsync(() => condition(received = Received), () => Volatile.Read(ref _arrived).Task,
            "the receiver got the requests the test waits for", timeout);
        return received;
    }

    public Task<IReadOnlyList<ReceivedWebhook>> WaitForCountAsync(int count, TimeSpan? timeout = null) => WaitForAsync(r => r.Count >= count, timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().DefaultTimeout();
        await _app.DisposeAsync();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
