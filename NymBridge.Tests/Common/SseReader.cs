using System.Text.Json;

namespace NymBridge.Tests.Common;

/// <summary>
/// Reads Server-Sent Events from a response stream as the HTML standard says a browser does: an event
/// without an <c>event:</c> line is a <c>message</c>, and one without an <c>id:</c> line has no id of its own
/// (its id is then empty, while <see cref="LastEventId"/> keeps the one a browser would resume from).
/// </summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    /// <summary>The last <c>retry:</c> hint seen, in milliseconds.</summary>
    public int? Retry { get; private set; }

    /// <summary>What a browser would send as Last-Event-ID on reconnecting.</summary>
    public string LastEventId { get; private set; } = "";

    public async Task<(string Id, string Event, JsonElement Data)> NextAsync()
    {
        string id = "", name = "message", data = "";
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    return (id, name, JsonDocument.Parse(data).RootElement.Clone());
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; LastEventId = value; break;
                case "retry": Retry = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "event": name = value; break;
                case "data": data += value; break;
            }
        }

        throw new EndOfStreamException("The event stream ended.");
    }

    public void Dispose() => _reader.Dispose();
}
