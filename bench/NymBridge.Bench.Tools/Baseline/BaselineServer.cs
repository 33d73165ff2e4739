using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NymBridge.Bench.Tools.Baseline;

/// <summary>
/// The outbound benchmark's yardstick: a minimal API that reads and deserializes the same JSON body
/// as the bridge's <c>POST /send</c> (same shape, same strict options) and answers 202 with the same
/// result, with no websocket, no validation of the address and no queue behind it. Raw
/// <c>application/octet-stream</c> bodies are read and counted.
/// </summary>
internal static class BaselineServer
{
    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var port = args.Int("port", 5990);
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 32L * 1024 * 1024;
            k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.MapPost("/send", SendAsync);
        app.MapGet("/health/ready", () => TypedResults.Ok());
        await app.StartAsync(stop);
        Console.WriteLine($"baseline on http://127.0.0.1:{port}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        return 0;
    }

    private static async Task<IResult> SendAsync(HttpRequest request)
    {
        // Read the whole body first, as the bridge does (it must bound and then keep it).
        var length = (int)(request.ContentLength ?? 0);
        var body = new byte[length];
        await request.Body.ReadExactlyAsync(body, request.HttpContext.RequestAborted);
        if (request.ContentType?.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) == true)
        {
            return TypedResults.Accepted((string?)null, new SendResult(body.Length));
        }

        var send = JsonSerializer.Deserialize<SendBody>(body, StrictJson);
        if (send?.Recipient is null)
        {
            return TypedResults.BadRequest();
        }

        var bytes = send.MessageBase64 is { } b64 ? b64.Length / 4 * 3
            : send.Message is { ValueKind: JsonValueKind.String } m ? m.GetString()!.Length
            : 0;
        return TypedResults.Accepted((string?)null, new SendResult(bytes));
    }

    /// <summary>The same shape as the bridge's <c>SendBody</c>.</summary>
    private sealed record SendBody
    {
        public string? Recipient { get; init; }
        public JsonElement? Message { get; init; }
        public string? MessageBase64 { get; init; }
        public ulong? ConnectionId { get; init; }
    }

    private sealed record SendResult(int Bytes);
}
