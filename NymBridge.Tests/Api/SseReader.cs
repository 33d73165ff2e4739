using System.Text.Json;

namespace NymBridge.Tests.Api;

/// <summary>Reads Server-Sent Events (id, event, data) from a response stream.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

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
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data += value; break;
            }
        }

        throw new EndOfStreamException("The event stream ended.");
    }

    public void Dispose() => _reader.Dispose();
}
