using System.Text.Json;

namespace NymBridge.Bench.Tools.Load;

/// <summary>What the load commands and the suite read off the bridge's <c>/status</c>.</summary>
internal static class BridgeProbe
{
    /// <summary>The last inbox seq ever assigned: the first property named lastSeq anywhere in /status, 0 when none.</summary>
    public static async Task<long> LastSeqAsync(HttpClient http, Uri bridge, CancellationToken cancellationToken)
    {
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(bridge, "/status"), cancellationToken));
        return Find(status.RootElement, "lastSeq") is { ValueKind: JsonValueKind.Number } seq ? seq.GetInt64() : 0;
    }

    /// <summary>Frames the bridge wrote to nym-client (framesSent in /status).</summary>
    public static async Task<long> FramesSentAsync(HttpClient http, Uri bridge, CancellationToken cancellationToken)
    {
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(bridge, "/status"), cancellationToken));
        return Find(status.RootElement, "framesSent") is { ValueKind: JsonValueKind.Number } n ? n.GetInt64() : -1;
    }

    /// <summary>
    /// Completes when the inbox holds seq <paramref name="seq"/>: a replay long-poll from just before it,
    /// repeated until it answers with events.
    /// </summary>
    public static async Task WaitForSeqAsync(HttpClient http, Uri bridge, long seq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var body = await http.GetStringAsync(new Uri(bridge, $"/messages?after={seq - 1}&wait=10&max=1"), deadline.Token);
            using var page = JsonDocument.Parse(body);
            if (page.RootElement.TryGetProperty("messages", out var messages) && messages.GetArrayLength() > 0)
            {
                return;
            }
        }
    }

    private static JsonElement? Find(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals(name))
                    {
                        return property.Value;
                    }

                    if (Find(property.Value, name) is { } found)
                    {
                        return found;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (Find(item, name) is { } found)
                    {
                        return found;
                    }
                }

                break;
        }

        return null;
    }
}
